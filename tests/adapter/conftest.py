"""A running bot (real discord.py client) connected to a fake Discord on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest_asyncio

from bot.adapter.client import create_bot
from bot.config import load_settings
from bot.serving.library import KnowledgeBase
from tests.conftest import ROOT
from tests.fakes.discord_fake import FakeDiscord

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GfakeX.very-secret-token-value_0123456789"


def text_of(body: dict) -> str:
    """Everything a payload carries, as text: for checks that it says X, or never says Y."""
    return json.dumps(body, ensure_ascii=False)


def shown_text(body: dict) -> str:
    """What a person reads of a message: its content and its embeds' descriptions."""
    return " ".join([body.get("content") or ""] + [e.get("description", "") for e in body.get("embeds", [])])


@dataclass
class Running:
    fake: FakeDiscord
    bot: object
    kb: KnowledgeBase
    knowledge: Path
    log_records: list[str]


class _Capture(logging.Handler):
    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(formatter)

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


async def start_bot(tmp_path: Path, **env: str) -> AsyncIterator[Running]:
    from bot.log import RedactingFormatter

    fake = FakeDiscord(TOKEN)
    await fake.start()
    knowledge = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge, ignore=shutil.ignore_patterns(".cache"))
    values = {
        "DISCORD_TOKEN": TOKEN,
        "KNOWLEDGE_DIR": str(knowledge),
        "MOD_ROLE_IDS": fake.mod_role_id,
        "MOD_LOG_CHANNEL_ID": fake.mod_log_channel_id,
        "KNOWLEDGE_GUILD_IDS": fake.guild_id,  # the fake's server is the knowledge's home
        "COOLDOWN_QUESTIONS": "50",
        "COOLDOWN_SECONDS": "60",
        "DATABASE_PATH": str(tmp_path / "feedback.sqlite3"),
    }
    values.update(env)
    values = {k: v.replace("{answer_channel}", fake.answer_channel_id) for k, v in values.items()}
    settings = load_settings(values)
    kb = KnowledgeBase(settings.knowledge_dir)
    assert kb.load(embed="now").ok  # vectors ready before the bot connects: the tests see the semantic path
    capture = _Capture(RedactingFormatter([TOKEN]))
    root = logging.getLogger()
    root.addHandler(capture)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    with fake.pointing_at():
        bot = create_bot(kb, settings, guild_ready_timeout=0.05)
        task = asyncio.create_task(bot.start(TOKEN))
        try:
            await asyncio.wait_for(bot.wait_until_ready(), 10)
            yield Running(fake, bot, kb, knowledge, capture.lines)
        finally:
            await bot.close()
            await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 10)
            await fake.stop()
            root.removeHandler(capture)
            root.setLevel(old_level)


@pytest_asyncio.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    async for value in start_bot(tmp_path):
        yield value
