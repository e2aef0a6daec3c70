"""The bot with REDIS_URL: /reload reaches another process and the reply lists both; limits are shared.

The bot is the real discord.py client against the fake Discord; "another process" is a
Coordinator with its own knowledge base on the same folder, as a second shard process has.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.adapter.checks import QuestionLimiter
from bot.serving.coordination import Coordinator, ProcessId
from bot.serving.library import KnowledgeBase
from tests.adapter.conftest import shown_text, start_bot
from tests.conftest import front_matter
from tests.fakes.discord_fake import EVERYONE_PERMISSIONS, MANAGE_GUILD
from tests.redis_server import RedisServer, redis_or_skip

pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    with redis_or_skip() as server:
        yield server


async def test_reload_reaches_the_other_process_and_the_reply_lists_both(tmp_path, redis_server: RedisServer):
    async for running in start_bot(tmp_path, REDIS_URL=redis_server.url, SHARD_COUNT="2", SHARD_IDS="0"):
        other_kb = KnowledgeBase(running.knowledge, use_cache=False, semantic=False)
        assert other_kb.load(embed="no").ok
        other = Coordinator(redis_server.url, reload=other_kb.reload, identity=ProcessId("second-host", 77, (1,)))
        await other.start(wait=5.0)
        try:
            assert running.bot.coordinator.available
            (running.knowledge / "tea.md").write_text(
                front_matter(title="Tea in Japan") + "\nMatcha is a powdered green tea from Uji.\n", "utf-8"
            )
            _, token = await running.fake.slash("reload", permissions=EVERYONE_PERMISSIONS | MANAGE_GUILD)
            description = (await running.fake.answer_to(token, timeout=30))["embeds"][0]["description"]
            assert "**Added:** `tea`" in description
            assert "**Processes:** 2 answered" in description
            assert "shard 0**: reload ok" in description
            assert "✅ **second-host pid 77, shard 1**: reload ok" in description
            assert other_kb.snapshot.document("tea") is not None
            assert running.fake.spec_errors == []
        finally:
            await other.close()
            await other_kb.settle()


async def test_questions_count_once_whichever_process_gets_them(tmp_path, redis_server: RedisServer):
    env = {"REDIS_URL": redis_server.url, "COOLDOWN_QUESTIONS": "2", "COOLDOWN_SECONDS": "60"}
    async for running in start_bot(tmp_path, **env):
        fake = running.fake
        other = Coordinator(redis_server.url, reload=running.kb.reload, identity=ProcessId("second-host", 77, (1,)))
        await other.start(wait=5.0)
        try:
            flooder, patient = fake.person("flooder"), fake.person("patient")
            elsewhere = other.limiter("ask", 2, 60, QuestionLimiter(2, 60))
            assert [await elsewhere.hit(int(flooder.id)) for _ in range(2)] == [None, None]  # asked on the other shard
            _, token = await fake.slash("ask", {"question": "who wrote this?"}, user=flooder)
            body = await fake.answer_to(token)
            assert body["embeds"][0]["title"] == "Slow down a little"
            _, token = await fake.slash("ask", {"question": "who wrote this?"}, user=patient)
            assert "Hugo Blewett-Mundy" in shown_text(await fake.answer_to(token))
        finally:
            await other.close()
