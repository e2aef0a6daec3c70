"""The real entry point, ``python -m bot run``, as a process: start-up checks and signals."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys

import pytest

from tests.adapter.conftest import TOKEN
from tests.conftest import ROOT
from tests.fakes.discord_fake import FakeDiscord

pytestmark = pytest.mark.asyncio


async def run_bot(tmp_path, env: dict[str, str]) -> asyncio.subprocess.Process:
    knowledge = tmp_path / "knowledge"
    if not knowledge.exists():
        shutil.copytree(ROOT / "knowledge", knowledge, ignore=shutil.ignore_patterns(".cache"))
    full = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "KNOWLEDGE_"))}
    full.update({"KNOWLEDGE_DIR": str(knowledge), "PYTHONPATH": str(ROOT), **env})
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=full,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


def against(fake: FakeDiscord) -> dict[str, str]:
    """Point the bot at the fake Discord, logging everything (the token must stay out even at DEBUG)."""
    return {
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_API_BASE": fake.base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "LOG_LEVEL": "DEBUG",
    }


async def test_configuration_mistakes_stop_before_connecting(tmp_path):
    process = await run_bot(tmp_path, {"DISCORD_TOKEN": "", "MOD_ROLE_IDS": "abc", "LOG_LEVEL": "LOUD"})
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    lines = err.decode().strip().splitlines()
    assert lines == [
        "config error: DISCORD_TOKEN: missing; copy the bot token from the Developer Portal into .env",
        "config error: MOD_ROLE_IDS: 'abc' is not a Discord id (digits only, comma-separated)",
        "config error: LOG_LEVEL: 'LOUD' is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
    ]


async def test_sigterm_closes_the_gateway_and_exits_zero(tmp_path):
    fake = FakeDiscord(TOKEN)
    await fake.start()
    try:
        process = await run_bot(tmp_path, against(fake))
        for _ in range(300):
            if fake.identifies and fake.connected:
                break
            await asyncio.sleep(0.1)
        assert fake.identifies, "the bot never identified"
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, err.decode()[-2000:]
        text = (out + err).decode()
        assert "received SIGTERM; shutting down" in text
        assert TOKEN not in text
        assert fake.connected == 0
    finally:
        await fake.stop()


async def test_a_rejected_token_exits_one_without_printing_it(tmp_path):
    fake = FakeDiscord("OTHER.token.value")
    await fake.start()
    try:
        process = await run_bot(tmp_path, against(fake))
        out, err = await asyncio.wait_for(process.communicate(), 60)
        text = (out + err).decode()
        assert process.returncode == 1
        assert "Discord refused the token" in text
        assert TOKEN not in text
    finally:
        await fake.stop()


async def test_a_broken_knowledge_folder_stops_start_up(tmp_path):
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "bad.md").write_text("no front matter\n", encoding="utf-8")
    process = await run_bot(tmp_path, {"DISCORD_TOKEN": TOKEN})
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    assert f"{knowledge}/bad.md:1: no front matter" in err.decode()
