"""Two real bot processes (``python -m bot run``), one shard each, one Redis, one fake Discord.

A /reload sent to one shard reloads both processes and the reply lists both; a user's
questions count once across the two shards.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.adapter.conftest import TOKEN, shown_text
from tests.conftest import ROOT, front_matter
from tests.fakes.discord_fake import FakeDiscord
from tests.redis_server import RedisServer, redis_or_skip

pytestmark = pytest.mark.asyncio


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    with redis_or_skip() as server:
        yield server


class BotProcess:
    """``python -m bot run`` with its log collected as it comes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            self.lines.append(line.decode("utf-8", "replace").rstrip())

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    async def stop(self) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.process.wait(), 30)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self._reader, 5)
        return code


async def start(tmp_path: Path, fake: FakeDiscord, redis: RedisServer, shard: int) -> BotProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "KNOWLEDGE_", "REDIS_", "SHARD_"))}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": TOKEN,
            "DISCORD_API_BASE": fake.base,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "KNOWLEDGE_DIR": str(tmp_path / "knowledge"),
            "INDEX_CACHE_DIR": str(tmp_path / "cache"),
            "DATABASE_PATH": str(tmp_path / "feedback.sqlite3"),
            "MOD_ROLE_IDS": fake.mod_role_id,
            "KNOWLEDGE_GUILD_IDS": fake.guild_id,  # /reload exists only in the knowledge's home server
            "SHARD_COUNT": "2",
            "SHARD_IDS": str(shard),
            "REDIS_URL": redis.url,
            "COOLDOWN_QUESTIONS": "2",
            "COOLDOWN_SECONDS": "60",
            "SEMANTIC": "off",  # the model's load time adds nothing to what this test checks
            "LOG_LEVEL": "INFO",
        }
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    return BotProcess(process)


async def until(condition, seconds: float = 60.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def test_a_reload_on_one_shard_reaches_both_processes_and_limits_count_once(tmp_path, redis_server):
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge", ignore=shutil.ignore_patterns(".cache"))
    fake = FakeDiscord(TOKEN)
    await fake.start()
    bots: list[BotProcess] = []
    try:
        bots = [await start(tmp_path, fake, redis_server, shard) for shard in (0, 1)]
        await until(lambda: fake.shards_connected() == {0, 1} and all(b.said("connected to Redis") for b in bots))
        await until(lambda: all(b.said("connected as") for b in bots))
        assert sorted(i["shard"] for i in fake.identifies) == [[0, 2], [1, 2]]

        (tmp_path / "knowledge" / "tea.md").write_text(
            front_matter(title="Tea in Japan") + "\nMatcha is a powdered green tea from Uji.\n", "utf-8"
        )
        _, token = await fake.slash("reload", roles=[fake.mod_role_id], shard=1)
        description = (await fake.answer_to(token, timeout=60))["embeds"][0]["description"]
        assert "**Added:** `tea`" in description
        assert "**Processes:** 2 answered" in description
        assert "shard 1**: reload ok" in description and "shard 0**: reload ok" in description
        assert "added 1" in description.split("shard 0**:")[1]  # the other process really reloaded the new file
        assert len(fake.for_token(token)) == 2  # one process answered it: the deferral and the edit

        flooder, patient = fake.person("flooder"), fake.person("patient")
        for shard in (0, 0):
            _, token = await fake.slash("ask", {"question": "where does matcha come from?"}, user=flooder, shard=shard)
            assert "Uji" in shown_text(await fake.answer_to(token, timeout=30))
        _, token = await fake.slash("ask", {"question": "who wrote this?"}, user=flooder, shard=1)
        assert (await fake.answer_to(token, timeout=30))["embeds"][0]["title"] == "Slow down a little"
        _, token = await fake.slash("ask", {"question": "who wrote this?"}, user=patient, shard=1)
        assert "Hugo Blewett-Mundy" in shown_text(await fake.answer_to(token, timeout=30))
        assert fake.spec_errors == []
    finally:
        codes = [await bot.stop() for bot in bots]
        await fake.stop()
    assert codes == [0, 0], "\n".join(line for bot in bots for line in bot.lines[-20:])
    assert not any(TOKEN in line for bot in bots for line in bot.lines)
