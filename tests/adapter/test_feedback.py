"""End to end: vote buttons, /gaps and /forget-me against the fake Discord and a real SQLite file."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.feedback import FeedbackStore
from tests.adapter.conftest import start_bot
from tests.fakes.discord_fake import MANAGE_GUILD, FakeDiscord, User

pytestmark = pytest.mark.asyncio

EPHEMERAL = 64
ANSWERABLE = "Who is Kishida's Indian counterpart?"
RAMEN = (
    "give me a good ramen recipe please",
    "how do I cook ramen noodles at home?",
    "what is a good recipe for ramen?",
)


def rows(database: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(sql).fetchall()


def buttons(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in body.get("components", []) for c in row["components"]]


def assert_clean(fake: FakeDiscord, body: dict[str, Any]) -> None:
    """Valid for Discord, within limits, and unable to ping anyone."""
    assert fake.spec_errors == []
    assert body["allowed_mentions"]["parse"] == []
    assert len(body.get("components", [])) <= 5
    for button in buttons(body):
        assert len(button["custom_id"]) <= 100 and len(button["label"]) <= 80
    for embed in body.get("embeds", []):
        assert len(embed.get("description", "")) <= 4096
        assert "@everyone" not in embed.get("description", "") or "\\@everyone" in embed["description"]


async def ask(fake: FakeDiscord, question: str, user: User | None = None) -> dict[str, Any]:
    _, token = await fake.slash("ask", {"question": question}, user=user)
    return await fake.answer_to(token)


async def click(fake: FakeDiscord, body: dict[str, Any], label: str, user: User) -> dict[str, Any]:
    custom_id = next(b["custom_id"] for b in buttons(body) if b["label"] == label)
    _, token = await fake.click(body, custom_id, user=user)
    reply = await fake.answer_to(token)
    assert reply["flags"] & EPHEMERAL  # only the voter sees the acknowledgement
    assert_clean(fake, reply)
    return reply


async def gaps(fake: FakeDiscord, **options: Any) -> dict[str, Any]:
    _, token = await fake.slash("gaps", options or None, permissions=MANAGE_GUILD)
    body = await fake.answer_to(token)
    callback = next(r for r in fake.for_token(token) if r.path.endswith("/callback"))
    assert callback.body["type"] == 5 and callback.body["data"]["flags"] & EPHEMERAL  # deferred, only for them
    assert_clean(fake, body)
    return body


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "feedback.sqlite3"


async def test_vote_is_stored_changed_once_per_person_and_gaps_group_it(tmp_path, database):
    async for running in start_bot(tmp_path / "one", DATABASE_PATH=str(database)):
        fake = running.fake
        alice, bob = fake.person("alice"), fake.person("bob")
        body = await ask(fake, ANSWERABLE, alice)
        assert [b["label"] for b in buttons(body)] == ["Helpful", "Not helpful"]
        assert all(re.fullmatch(r"fb:[A-Za-z0-9_-]{16}:[yn]", b["custom_id"]) for b in buttons(body))
        assert_clean(fake, body)

        reply = await click(fake, body, "Helpful", alice)
        assert "recorded: **helpful**" in reply["embeds"][0]["description"]
        assert rows(database, "SELECT helpful FROM votes") == [(1,)]

        reply = await click(fake, body, "Not helpful", alice)  # a second click changes the vote
        assert "changed your vote to **not helpful**" in reply["embeds"][0]["description"]
        assert rows(database, "SELECT helpful FROM votes") == [(0,)]
        await click(fake, body, "Not helpful", alice)  # the same again: still one vote
        assert rows(database, "SELECT helpful FROM votes") == [(0,)]

        for question in RAMEN:  # one gap asked three ways
            declined = await ask(fake, question, bob)
            assert declined["embeds"][0]["title"] == "Not in the knowledge base"
            assert buttons(declined) == []  # nothing to judge on a decline
        await ask(fake, "when does the football world cup final start?", bob)

        report = await gaps(fake)
        text = report["embeds"][0]["description"]
        assert "**Asked:** 5 · **answered:** 20% · **voted helpful:** 0% (1 vote)" in text
        lines = text.split("\n\n")[1:]
        assert len(lines) == 3, text
        assert lines[0].startswith("**3×**") and "ramen" in lines[0] and "seen 3 times, last on" in lines[0]
        assert "3 not answered" in lines[0]
        unhelpful = next(line for line in lines if "Kishida" in line)
        assert "1 voted not helpful" in unhelpful
        assert "\n> " in unhelpful and "Narendra Modi" in unhelpful  # the quote that was shown
        assert any("football" in line and "seen once" in line for line in lines)


async def test_a_click_after_a_restart_still_counts(tmp_path, database):
    async for running in start_bot(tmp_path / "before", DATABASE_PATH=str(database)):
        body = await ask(running.fake, ANSWERABLE)
    assert rows(database, "SELECT COUNT(*) FROM votes") == [(0,)]
    async for running in start_bot(tmp_path / "after", DATABASE_PATH=str(database)):
        fake = running.fake  # a new fake Discord, a new bot process state: only the file is shared
        reply = await click(fake, body, "Helpful", fake.person("carol"))
        assert "recorded: **helpful**" in reply["embeds"][0]["description"]
    assert rows(database, "SELECT helpful FROM votes") == [(1,)]


async def test_a_member_cannot_run_gaps(running):
    fake = running.fake
    _, token = await fake.slash("gaps", {"days": 30})
    body = await fake.answer_to(token)
    assert body["flags"] & EPHEMERAL
    assert body["embeds"][0]["title"] == "Not allowed"
    assert "Asked" not in json.dumps(body)
    assert fake.spec_errors == []


async def test_gaps_escapes_questions_and_says_when_there_are_none(running):
    fake = running.fake
    report = await gaps(fake, days=1)
    assert "Nothing unanswered" in report["embeds"][0]["description"]
    await ask(fake, "@everyone <@&123> **ramen** recipe?")
    text = (await gaps(fake))["embeds"][0]["description"]
    assert "\\@everyone" in text and "\\<\\@&123\\>" in text and "\\*\\*ramen\\*\\*" in text


async def test_forget_me_removes_only_that_persons_rows(tmp_path, database):
    async for running in start_bot(tmp_path, DATABASE_PATH=str(database)):
        fake = running.fake
        alice, bob = fake.person("alice"), fake.person("bob")
        body = await ask(fake, ANSWERABLE, alice)
        await click(fake, body, "Helpful", bob)
        await ask(fake, RAMEN[0], alice)
        theirs = await ask(fake, ANSWERABLE, bob)
        await click(fake, theirs, "Helpful", alice)
        assert rows(database, "SELECT COUNT(*) FROM answers") == [(3,)]

        _, token = await fake.slash("forget-me", user=alice)
        prompt = await fake.answer_to(token)
        assert prompt["flags"] & EPHEMERAL
        assert [b["label"] for b in buttons(prompt)] == ["Confirm", "Cancel"]
        assert_clean(fake, prompt)
        prompt_message = fake.interaction_messages[token]

        _, token = await fake.click(prompt_message, "forget:confirm", user=bob)  # not bob's prompt
        _, token = await fake.click(prompt_message, "forget:confirm", user=alice)
        done = await fake.answer_to(token)
        assert done["embeds"][0]["description"] == "Removed 3 records."  # 2 questions + 1 vote
        assert done["components"] == []
        assert_clean(fake, done)
    # Bob's question and his vote on Alice's (now gone) answer: only his question is left.
    assert rows(database, "SELECT COUNT(*) FROM answers") == [(1,)]
    assert rows(database, "SELECT COUNT(*) FROM votes") == [(0,)]


async def test_forget_me_cancel_removes_nothing(running):
    fake = running.fake
    alice = fake.person("alice")
    await ask(fake, RAMEN[0], alice)
    _, token = await fake.slash("forget-me", user=alice)
    await fake.answer_to(token)
    _, token = await fake.click(fake.interaction_messages[token], "forget:cancel", user=alice)
    done = await fake.answer_to(token)
    assert done["embeds"][0]["title"] == "Cancelled"
    database = running.knowledge.parent / "feedback.sqlite3"
    assert rows(database, "SELECT COUNT(*) FROM answers") == [(1,)]


async def test_mentions_get_buttons_without_the_mention_in_the_record(running):
    fake = running.fake
    await fake.say("who wrote this article?", mention_bot=True)
    reply = await fake.wait_for(lambda r: r.method == "POST" and r.path.endswith("/messages") and r.body.get("embeds"))
    assert [b["label"] for b in buttons(reply.body)] == ["Helpful", "Not helpful"]
    assert_clean(fake, reply.body)
    answer_id = buttons(reply.body)[0]["custom_id"].split(":")[1]
    with FeedbackStore.sqlite(running.knowledge.parent / "feedback.sqlite3") as store:
        record = store.answer(answer_id)
    assert record is not None and record.question == "who wrote this article?"
    assert record.cited and record.quote


async def test_feedback_off_shows_no_buttons_and_writes_nothing(tmp_path, database):
    async for running in start_bot(tmp_path, DATABASE_PATH=str(database), FEEDBACK="off"):
        fake = running.fake
        body = await ask(fake, ANSWERABLE)
        assert "Narendra Modi" in body["embeds"][0]["description"]
        assert "components" not in body or body["components"] == []
        await fake.say("who wrote this article?", mention_bot=True)
        reply = await fake.wait_for(lambda r: r.method == "POST" and r.path.endswith("/messages"))
        assert buttons(reply.body) == []
        names = {c["name"] for c in fake.commands["global"]}
        assert "gaps" not in names and "forget-me" not in names and "ask" in names
        assert fake.spec_errors == []
    assert not database.exists() and not Path(f"{database}.key").exists()


async def test_records_past_retention_are_purged_when_the_bot_starts(tmp_path, database):
    import asyncio
    import time

    with FeedbackStore.sqlite(database, clock=lambda: time.time() - 40 * 86_400) as old:
        old.record_answer("an old question", "not_found")
    with FeedbackStore.sqlite(database) as recent:
        recent.record_answer("a recent question", "not_found")
    assert rows(database, "SELECT COUNT(*) FROM answers") == [(2,)]
    async for _running in start_bot(tmp_path, DATABASE_PATH=str(database), FEEDBACK_RETENTION_DAYS="30"):
        for _ in range(100):  # the daily purge's first run is at start, in a worker thread
            if rows(database, "SELECT COUNT(*) FROM answers") == [(1,)]:
                break
            await asyncio.sleep(0.05)
        assert rows(database, "SELECT COUNT(*) FROM answers") == [(1,)]
