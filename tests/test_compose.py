"""docker-compose.yml: Redis, PostgreSQL and bot processes that split the shards and share their folders."""

from __future__ import annotations

import re
import tomllib

import pytest
import yaml

from bot.config import load_settings
from tests.conftest import ROOT

COMPOSE = ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text("utf-8"))


def bots(compose: dict) -> dict[str, dict]:
    return {name: service for name, service in compose["services"].items() if name.startswith("bot")}


def interpolate(value: str) -> str:
    """Compose's ``${NAME:-default}`` with nothing set: the default."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def test_two_bot_processes_split_every_shard_between_them(compose):
    processes = bots(compose)
    assert len(processes) == 2
    counts = {int(s["environment"]["SHARD_COUNT"]) for s in processes.values()}
    assert counts == {2}
    owned = [tuple(int(i) for i in s["environment"]["SHARD_IDS"].split(",")) for s in processes.values()]
    flat = [shard for shards in owned for shard in shards]
    assert sorted(flat) == list(range(2)), "every shard runs in exactly one process"


def test_every_bot_shares_the_knowledge_folder_cache_redis_and_postgres(compose):
    declared = set(compose["volumes"])
    for name, service in bots(compose).items():
        env = service["environment"]
        mounts = dict(volume.split(":", 1)[::-1] for volume in service["volumes"])
        assert mounts[env["KNOWLEDGE_DIR"]] == "./knowledge", name  # the host folder moderators edit
        assert mounts[env["INDEX_CACHE_DIR"]] == "cache" and "cache" in declared, name
        assert env["REDIS_URL"].startswith("redis://redis:"), name
        assert "@postgres:" in env["DATABASE_URL"], name
        assert set(service["depends_on"]) == {"redis", "postgres"}
        assert env["OPENBLAS_NUM_THREADS"] == "1", name  # measured: default BLAS threads collide across processes
        assert all(d["condition"] == "service_healthy" for d in service["depends_on"].values())
    assert {"redis", "postgres"} <= set(compose["services"])
    postgres = compose["services"]["postgres"]
    assert any(v.endswith(":/var/lib/postgresql/data") and v.split(":")[0] in declared for v in postgres["volumes"])


def test_every_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        assert service["healthcheck"]["test"], name
    for service in bots(compose).values():
        assert service["healthcheck"]["test"] == ["CMD", "python", "-m", "bot", "health"]


def test_the_image_installs_the_extras_the_processes_need(compose):
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["optional-dependencies"]
    for service in bots(compose).values():
        wanted = service["build"]["args"]["EXTRAS"].split()
        assert set(wanted) == {"redis", "postgres"} and set(wanted) <= set(extras)
    assert "ARG EXTRAS" in (ROOT / "Dockerfile").read_text("utf-8")


def test_each_bot_environment_passes_the_start_up_checks(compose):
    """What compose gives a process, plus a token and key from .env, is a valid configuration."""
    for service in bots(compose).values():
        env = {k: interpolate(str(v)) for k, v in service["environment"].items()}
        env.update({"DISCORD_TOKEN": "abc.def.ghi", "FEEDBACK_KEY": "k" * 16, "KNOWLEDGE_DIR": str(ROOT / "knowledge")})
        settings = load_settings(env)
        assert settings.shard_count == 2 and settings.redis_url is not None and settings.database_url is not None
