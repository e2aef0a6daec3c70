"""Discord misbehaving: dropped gateways, rate limits, server errors, expired interactions."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.adapter.conftest import start_bot, text_of

pytestmark = pytest.mark.asyncio

QUESTION = {"question": "Who is Kishida's Indian counterpart?"}


async def until(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_resumable_gateway_close_resumes_and_answers(running):
    fake = running.fake
    await fake.drop_gateway(code=4000)
    await until(lambda: fake.resumes and fake.connected)
    assert len(fake.identifies) == 1  # resumed, not re-identified
    _, token = await fake.slash("ask", QUESTION)
    assert "Narendra Modi" in text_of(await fake.answer_to(token))


async def test_invalid_session_reidentifies_and_answers(running):
    fake = running.fake
    await fake.drop_gateway(invalid_session=True)
    await until(lambda: len(fake.identifies) == 2 and fake.connected, timeout=20)
    _, token = await fake.slash("ask", QUESTION)
    assert "Narendra Modi" in text_of(await fake.answer_to(token))


async def test_rate_limited_reply_is_retried_after_retry_after(running):
    fake = running.fake
    fake.fail_next("POST", r"/interactions/\d+/[^/]+/callback", 429, retry_after=0.3)
    _, token = await fake.slash("ask", QUESTION)
    body = await fake.answer_to(token)
    assert "Narendra Modi" in text_of(body)
    statuses = [r.status for r in fake.for_token(token)]
    assert statuses[:2] == [429, 200]
    assert sum("rate limited" in line for line in running.log_records) == 1


async def test_a_discord_server_error_is_retried(running):
    fake = running.fake
    fake.fail_next("POST", rf"/channels/{fake.channel_id}/messages", 500)
    await fake.say("who wrote this article?", mention_bot=True)
    record = await fake.wait_for(
        lambda r: r.method == "POST" and r.path == f"/channels/{fake.channel_id}/messages" and r.status == 200, 15
    )
    assert "Hugo Blewett-Mundy" in text_of(record.body)


async def test_an_expired_interaction_is_logged_once_and_the_bot_carries_on(running):
    fake = running.fake
    fake.fail_next("POST", r"/interactions/\d+/[^/]+/callback", 404, {"message": "Unknown interaction", "code": 10062})
    _, token = await fake.slash("ask", QUESTION)
    await fake.wait_for(lambda r: f"/{token}/callback" in r.path)
    await asyncio.sleep(0.2)
    expired = [line for line in running.log_records if "expired" in line]
    assert len(expired) == 1
    assert not any("Traceback" in line for line in running.log_records)
    _, token = await fake.slash("ask", QUESTION)
    assert "Narendra Modi" in text_of(await fake.answer_to(token))


async def test_a_mention_flood_gets_one_cooldown_notice_not_a_hundred_answers(tmp_path):
    async for running in start_bot(tmp_path, COOLDOWN_QUESTIONS="3", COOLDOWN_SECONDS="60"):
        fake = running.fake
        flooder = fake.person("flooder")
        for _ in range(100):
            await fake.say("who wrote this article?", mention_bot=True, user=flooder)

        def settled(fake=fake) -> bool:
            posts = [text_of(r.body) for r in fake.channel_posts()]
            return any("Slow down" in t for t in posts) and sum("Hugo Blewett-Mundy" in t for t in posts) >= 3

        await until(settled)
        await asyncio.sleep(0.5)  # anything more would arrive now
        replies = fake.channel_posts()
        answers = [r for r in replies if "Hugo Blewett-Mundy" in text_of(r.body)]
        notices = [r for r in replies if "Slow down" in text_of(r.body)]
        assert len(answers) == 3
        assert len(notices) == 1
        other = fake.person("patient")
        await fake.say("who wrote this article?", mention_bot=True, user=other)
        await until(lambda fake=fake: len([r for r in fake.channel_posts() if "Hugo" in text_of(r.body)]) == 4)


async def test_many_users_at_once_get_answers_or_a_clear_busy(tmp_path):
    async for running in start_bot(tmp_path, MAX_PENDING_QUESTIONS="2"):
        fake = running.fake

        async def slow(*args, ask=running.kb.ask, **kwargs):
            await asyncio.sleep(0.5)
            return await ask(*args, **kwargs)

        running.kb.ask = slow
        tokens = [(await fake.slash("ask", QUESTION, user=fake.person(f"u{i}")))[1] for i in range(8)]
        bodies = [await fake.answer_to(t) for t in tokens]
        answered = [b for b in bodies if "Narendra Modi" in text_of(b)]
        busy = [b for b in bodies if b["embeds"][0]["title"] == "I'm busy"]
        assert len(answered) >= 2
        assert len(answered) + len(busy) == 8
        assert busy and all(b["flags"] & 64 for b in busy)
        cog = running.bot.get_cog("KnowledgeCog")
        assert cog.pending == 0
