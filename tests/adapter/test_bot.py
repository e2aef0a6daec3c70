"""End to end: the real discord.py client against the fake Discord, one behaviour per test."""

from __future__ import annotations

import asyncio

import pytest

from bot.knowledge.text import Span  # noqa: F401 - keeps the core importable alongside discord
from tests.adapter.conftest import TOKEN, start_bot, text_of
from tests.conftest import front_matter
from tests.fakes.discord_fake import EVERYONE_PERMISSIONS, MANAGE_GUILD

pytestmark = pytest.mark.asyncio

EPHEMERAL = 64


def assert_no_pings(body: dict) -> None:
    assert body.get("allowed_mentions", {}).get("parse") == []
    assert body["allowed_mentions"].get("replied_user", False) is False


async def test_slash_ask_answers_with_quotes_and_citations(running):
    fake = running.fake
    _, token = await fake.slash("ask", {"question": "Who is Kishida's Indian counterpart?", "results": 2})
    body = await fake.answer_to(token)
    assert_no_pings(body)
    # One passage answers this; by meaning the others are far behind, so they are not shown as padding.
    assert len(body["embeds"]) == (1 if running.kb.snapshot.semantic else 2)
    first = body["embeds"][0]
    assert "Narendra Modi" in first["description"]
    assert first["description"].startswith("> ")
    assert "**Indian**" in first["description"]
    assert first["footer"]["text"] == "Hugo Blewett-Mundy · EUobserver · ¶18"
    assert first["title"] == "What does the new EU-Japan defence partnership actually mean?"
    assert not body.get("flags", 0) & EPHEMERAL
    assert fake.spec_errors == []


async def test_private_ask_is_ephemeral_and_declines_are_friendly(running):
    fake = running.fake
    _, token = await fake.slash("ask", {"question": "give me a good ramen recipe pls", "private": True})
    body = await fake.answer_to(token)
    assert body["flags"] & EPHEMERAL
    assert body["embeds"][0]["title"] == "Not in the knowledge base"
    assert "What does the new EU" in body["embeds"][0]["description"]
    assert fake.spec_errors == []


async def test_hostile_question_cannot_ping(running):
    fake = running.fake
    _, token = await fake.slash("ask", {"question": "@everyone <@&123> @here who wrote **this**?"})
    body = await fake.answer_to(token)
    assert_no_pings(body)
    assert "@everyone" not in text_of(body)
    assert "Hugo Blewett-Mundy" in text_of(body)


async def test_document_autocomplete_and_unknown_document(running):
    fake = running.fake
    _, token = await fake.slash("ask", {"question": "x", "document": "japan"}, autocomplete="document")
    record = await fake.wait_for(lambda r: f"/{token}/callback" in r.path)
    assert record.body["type"] == 8
    assert record.body["data"]["choices"] == [
        {
            "name": "What does the new EU-Japan defence partnership actually mean?",
            "value": "eu-japan-defence-partnership",
        }
    ]
    _, token = await fake.slash("ask", {"question": "Kishida", "document": "no such thing"})
    body = await fake.answer_to(token)
    assert body["flags"] & EPHEMERAL
    assert body["embeds"][0]["title"] == "Unknown document"
    assert fake.spec_errors == []


async def test_mention_is_a_question_and_gets_a_reply(running):
    fake = running.fake
    message = await fake.say("who wrote this article?", mention_bot=True)
    record = await fake.wait_for(lambda r: r.method == "POST" and r.path == f"/channels/{fake.channel_id}/messages")
    assert str(record.body["message_reference"]["message_id"]) == message["id"]
    assert_no_pings(record.body)
    assert "Hugo Blewett-Mundy" in text_of(record.body)
    assert fake.spec_errors == []


async def test_empty_mention_gets_a_hint_and_bots_are_ignored(running):
    fake = running.fake
    await fake.say("   ", mention_bot=True)
    record = await fake.wait_for(lambda r: r.method == "POST" and r.path.endswith("/messages"))
    assert "Mention me with a question" in text_of(record.body)
    before = len(fake.requests)
    await fake.say("who wrote this article?", mention_bot=True, author_is_bot=True)
    await fake.say("who wrote this article?")  # no mention, not an answer channel
    await asyncio.sleep(0.3)
    assert len(fake.requests) == before


async def test_summary_quotes_sentences_in_order(running):
    fake = running.fake
    _, token = await fake.slash("summary", {"length": 3})
    body = await fake.answer_to(token)
    embed = body["embeds"][0]
    assert embed["title"].startswith("Summary: What does the new EU")
    lines = [line for line in embed["description"].split("\n\n") if line.startswith("> ")]
    assert len(lines) == 3
    assert "¶1" in lines[0]
    assert fake.spec_errors == []


async def test_topic_summary_declines_unknown_topics(running):
    fake = running.fake
    _, token = await fake.slash("summary", {"topic": "taiwan"})
    body = await fake.answer_to(token)
    assert body["embeds"][0]["title"] == "Nothing on that topic"
    assert body["flags"] & EPHEMERAL


async def test_sources_and_help(running):
    fake = running.fake
    _, token = await fake.slash("sources")
    body = await fake.answer_to(token)
    assert body["embeds"][0]["title"] == "Sources (1 document)"
    assert "20 paragraphs" in body["embeds"][0]["description"]
    _, token = await fake.slash("help")
    body = await fake.answer_to(token)
    assert body["flags"] & EPHEMERAL
    assert "/reload" not in body["embeds"][0]["description"]
    _, token = await fake.slash("help", permissions=EVERYONE_PERMISSIONS | MANAGE_GUILD)
    assert "/reload" in (await fake.answer_to(token))["embeds"][0]["description"]
    assert fake.spec_errors == []


async def test_reload_by_a_moderator_reports_what_changed(running):
    fake = running.fake
    (running.knowledge / "tea.md").write_text(
        front_matter(title="Tea in Japan", author="Ann Leaf", publisher="Tea Weekly")
        + "\nMatcha is a powdered green tea from Uji.\n",
        encoding="utf-8",
    )
    _, token = await fake.slash("reload", permissions=EVERYONE_PERMISSIONS | MANAGE_GUILD)
    callback = await fake.wait_for(lambda r: f"/{token}/callback" in r.path)
    assert callback.body["type"] == 5
    assert callback.body["data"]["flags"] & EPHEMERAL
    body = await fake.answer_to(token)
    description = body["embeds"][0]["description"]
    assert body["embeds"][0]["title"] == "Knowledge base reloaded"
    assert "**Added:** `tea`" in description
    assert "21 → 23" in description
    mod_log = await fake.wait_for(lambda r: r.path == f"/channels/{fake.mod_log_channel_id}/messages")
    assert "Added" in text_of(mod_log.body)
    _, token = await fake.slash("ask", {"question": "where does matcha come from?"})
    assert "Uji" in text_of(await fake.answer_to(token))
    assert fake.spec_errors == []


async def test_reload_with_a_broken_file_keeps_serving(running):
    fake = running.fake
    (running.knowledge / "broken.md").write_text("---\ntitle: [unclosed\n---\nBody.\n", encoding="utf-8")
    _, token = await fake.slash("reload", roles=[fake.mod_role_id])
    body = await fake.answer_to(token)
    embed = body["embeds"][0]
    assert embed["title"] == "Reload failed"
    assert f"{running.knowledge}/broken.md:2: bad YAML" in embed["description"]
    _, token = await fake.slash("ask", {"question": "Who is Kishida's Indian counterpart?"})
    assert "Narendra Modi" in text_of(await fake.answer_to(token))


async def test_reload_is_refused_to_members_and_in_dms(running):
    fake = running.fake
    member = fake.person("mallory")
    _, token = await fake.slash("reload", user=member)
    body = await fake.answer_to(token)
    assert body["flags"] & EPHEMERAL
    assert "Only moderators" in body["embeds"][0]["description"]
    assert any(f"moderator command refused: user={member.id}" in line for line in running.log_records)
    _, token = await fake.slash("reload", in_guild=False)
    body = await fake.answer_to(token)
    assert "only works in a server" in body["embeds"][0]["description"]
    assert not any(r.path.endswith("/messages/@original") for r in fake.for_token(token))


async def test_cooldown_answers_instead_of_silence(tmp_path):
    async for running in start_bot(tmp_path, COOLDOWN_QUESTIONS="2"):
        fake = running.fake
        user = fake.person("eager")
        tokens = [(await fake.slash("ask", {"question": "Kishida?"}, user=user))[1] for _ in range(3)]
        last = await fake.answer_to(tokens[2])
        assert last["embeds"][0]["title"] == "Slow down a little"
        assert last["flags"] & EPHEMERAL
        assert "Kishida" in text_of(await fake.answer_to(tokens[0]))


async def test_unexpected_errors_become_an_apology_and_the_bot_keeps_going(running, monkeypatch):
    fake = running.fake

    async def broken(*args, **kwargs):
        raise RuntimeError("boom: internal detail")

    monkeypatch.setattr(running.kb, "ask", broken)
    _, token = await fake.slash("ask", {"question": "Kishida?"})
    body = await fake.answer_to(token)
    assert body["embeds"][0]["title"] == "Something went wrong"
    assert "boom" not in text_of(body)
    assert body["flags"] & EPHEMERAL
    assert any("RuntimeError: boom" in line for line in running.log_records)
    monkeypatch.undo()
    _, token = await fake.slash("ask", {"question": "Who is Kishida's Indian counterpart?"})
    assert "Narendra Modi" in text_of(await fake.answer_to(token))


async def test_intents_are_minimal_without_answer_channels(running):
    intents = running.fake.identifies[0]["intents"]
    assert intents & (1 << 15) == 0  # message content
    assert intents & (1 << 9) and intents & (1 << 12) and intents & 1


async def test_answer_channels_need_message_content_and_answer_everything(tmp_path):
    async for running in start_bot(tmp_path, ANSWER_CHANNEL_IDS="{answer_channel}"):
        fake = running.fake
        assert fake.identifies[0]["intents"] & (1 << 15)
        await fake.say("who wrote this article?", channel_id=fake.answer_channel_id)
        path = f"/channels/{fake.answer_channel_id}/messages"
        record = await fake.wait_for(lambda r, path=path: r.path == path)
        assert "Hugo Blewett-Mundy" in text_of(record.body)


async def test_question_log_lines_and_no_token_anywhere(running):
    fake = running.fake
    _, token = await fake.slash("ask", {"question": "secret question about Kishida"})
    await fake.answer_to(token)
    await asyncio.sleep(0.1)
    lines = [line for line in running.log_records if "question guild=" in line]
    assert lines and "command=ask" in lines[-1] and "status=answered" in lines[-1]
    info_lines = [line for line in running.log_records if " INFO " in line or " WARNING " in line]
    assert not any("secret question" in line for line in info_lines)
    assert not any(TOKEN in line for line in running.log_records)
