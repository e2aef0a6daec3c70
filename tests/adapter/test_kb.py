"""End to end: moderators of the home server manage the knowledge base from Discord."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot.adapter.render import LIMITS, discord_length
from tests.adapter.conftest import start_bot, text_of
from tests.conftest import front_matter
from tests.fakes.discord_fake import EVERYONE_PERMISSIONS, MANAGE_GUILD, FakeDiscord, Recorded
from tests.ingest.conftest import DATA, Site, page
from tests.ingest.test_convert import NEWS_PARAGRAPHS

pytestmark = pytest.mark.asyncio

EPHEMERAL = 64
MODERATOR = EVERYONE_PERMISSIONS | MANAGE_GUILD
TEA = (
    "Matcha is a powdered green tea grown in the shade near Uji.\n\n"
    "The leaves are steamed, dried and ground between granite stones.\n"
)


def assert_within_limits(body: dict) -> None:
    """Embeds and buttons as Discord limits them, and nobody pinged."""
    assert body.get("allowed_mentions", {}).get("parse") == []
    embeds = body.get("embeds") or []
    assert len(embeds) <= LIMITS.embeds
    for embed in embeds:
        total = discord_length(embed.get("title", "")) + discord_length(embed.get("description", ""))
        total += discord_length(embed.get("footer", {}).get("text", ""))
        assert discord_length(embed.get("title", "")) <= LIMITS.title
        assert discord_length(embed.get("description", "")) <= LIMITS.description
        assert len(embed.get("fields", [])) <= LIMITS.fields
        for item in embed.get("fields", []):
            assert discord_length(item["name"]) <= LIMITS.field_name
            assert discord_length(item["value"]) <= LIMITS.field_value
            total += discord_length(item["name"]) + discord_length(item["value"])
        assert total <= LIMITS.embed_total
    rows = body.get("components") or []
    assert len(rows) <= 5
    for row in rows:
        assert row["type"] == 1 and len(row["components"]) <= 5
        for button in row["components"]:
            assert len(button["custom_id"]) <= 100 and len(button.get("label", "")) <= 80


def buttons(body: dict) -> dict[str, str]:
    """label -> custom_id of the buttons on a message body."""
    return {b["label"]: b["custom_id"] for row in body.get("components") or [] for b in row["components"]}


async def preview_of(fake: FakeDiscord, token: str) -> Recorded:
    """The edit that filled in the deferred reply (the preview, with its buttons)."""

    def filled(r: Recorded) -> bool:
        return r.method == "PATCH" and r.path.endswith(f"/{token}/messages/@original") and r.status < 400

    return await fake.wait_for(filled)


async def final_of(fake: FakeDiscord, token: str, title: str) -> dict:
    """The click's last message update with this embed title."""

    def done(r: Recorded) -> bool:
        return f"/{token}" in r.path and r.status < 400 and title in text_of(r.body or {})

    return (await fake.wait_for(done, timeout=30)).body


async def add_and_confirm(fake: FakeDiscord, options: dict, moderator) -> dict:
    _, token = await fake.slash("kb add", options, user=moderator, permissions=MODERATOR)
    callback = await fake.wait_for(lambda r: r.path.endswith(f"/{token}/callback"))
    assert callback.body["type"] == 5 and callback.body["data"]["flags"] & EPHEMERAL
    preview = await preview_of(fake, token)
    assert_within_limits(preview.body)
    assert set(buttons(preview.body)) in ({"Add", "Cancel"}, {"Update", "Cancel"}), preview.body
    _, click = await fake.click(preview.response, buttons(preview.body)["Add"], user=moderator, permissions=MODERATOR)
    return preview.body | {"final": await final_of(fake, click, "Knowledge base reloaded")}


async def test_moderator_adds_a_page_and_a_file_and_members_are_answered_from_them(tmp_path: Path):
    site = Site()
    site.routes["/trout"] = page((DATA / "news-article.html").read_bytes())
    try:
        async for running in start_bot(tmp_path, ALLOW_PRIVATE_URLS="true"):
            fake = running.fake
            moderator = fake.person("mod <@&1> @everyone")
            result = await add_and_confirm(fake, {"url": site.url("/trout")}, moderator)
            preview = result["embeds"][0]
            assert preview["title"] == "Add this document?"
            fields = {f["name"]: f["value"] for f in preview["fields"]}
            assert fields["Author"] == "Maren Holt" and fields["Publisher"] == "The Northern Ledger"
            assert fields["Paragraphs"] == str(len(NEWS_PARAGRAPHS))
            assert preview["description"].startswith(f"> {NEWS_PARAGRAPHS[0]} *(¶1)*")
            assert f"… and {len(NEWS_PARAGRAPHS) - 3} more paragraphs" in preview["description"]
            final = result["final"]["embeds"][0]
            assert_within_limits(result["final"])
            assert "**Added:** `native-trout-return-to-lake-varn-after-a-decade-of`" in final["description"]

            attachment = fake.attachment("tea.txt", TEA.encode(), "text/plain")
            options = {"file": attachment, "title": "Matcha", "author": "Ann Leaf", "publisher": "Tea Weekly"}
            result = await add_and_confirm(fake, options, moderator)
            assert "**Added:** `tea`" in result["final"]["embeds"][0]["description"]  # the file's name
            written = (running.knowledge / "tea.md").read_text("utf-8")
            assert 'source: "tea.txt"' in written and f"({moderator.id})" in written

            log_path = f"/channels/{fake.mod_log_channel_id}/messages"
            await fake.wait_for(lambda r, path=log_path: r.path == path and "tea.txt" in text_of(r.body))
            mod_log = [r.body for r in fake.channel_posts(fake.mod_log_channel_id)]
            assert any("native-trout" in text_of(b) and "/trout" in text_of(b) for b in mod_log)
            assert any("Matcha" in text_of(b) and f"<@{moderator.id}>" in text_of(b) for b in mod_log)
            for body in mod_log:
                assert_within_limits(body)

            member = fake.person("member")
            _, token = await fake.slash("ask", {"question": "where did volunteers remove a weir?"}, user=member)
            answer = await fake.answer_to(token)
            assert "northern inlet" in text_of(answer)
            assert answer["embeds"][0]["footer"]["text"] == "Maren Holt · The Northern Ledger · ¶2"
            _, token = await fake.slash("ask", {"question": "how is matcha ground?"}, user=member)
            assert "granite stones" in text_of(await fake.answer_to(token))

            _, token = await fake.slash("kb list", user=moderator, permissions=MODERATOR)
            listing = await fake.answer_to(token)
            assert "tea.txt" in text_of(listing) and "from a file on the host" in text_of(listing)
            listed = listing["embeds"][0]["description"]
            assert "mod \\<\\@&1\\> \\@everyone" in listed  # shown as typed, never a mention
            assert not re.search(r"(?<!\\)[@<]", listed)
            assert_within_limits(listing)
            assert fake.spec_errors == []
    finally:
        site.close()


async def test_adding_the_same_page_again_updates_it(tmp_path: Path):
    site = Site()
    site.routes["/trout"] = page((DATA / "news-article.html").read_bytes())
    try:
        async for running in start_bot(tmp_path, ALLOW_PRIVATE_URLS="true"):
            fake = running.fake
            moderator = fake.person("mod")
            await add_and_confirm(fake, {"url": site.url("/trout")}, moderator)
            changed = (DATA / "news-article.html").read_bytes().replace(b"northern inlet", b"eastern inlet")
            site.routes["/trout"] = page(changed)
            _, token = await fake.slash("kb add", {"url": site.url("/trout")}, user=moderator, permissions=MODERATOR)
            preview = await preview_of(fake, token)
            assert preview.body["embeds"][0]["title"].startswith("Update `native-trout")
            assert "Replaces" in text_of(preview.body)
            _, click = await fake.click(
                preview.response, buttons(preview.body)["Update"], user=moderator, permissions=MODERATOR
            )
            final = await final_of(fake, click, "Knowledge base reloaded")
            assert "**Changed:** `native-trout" in final["embeds"][0]["description"]
            assert len(list(running.knowledge.glob("native-trout*.md"))) == 1
            _, token = await fake.slash("ask", {"question": "where did volunteers remove a weir?"})
            assert "eastern inlet" in text_of(await fake.answer_to(token))
            assert fake.spec_errors == []
    finally:
        site.close()


async def test_private_addresses_are_refused_without_the_setting(running):
    fake = running.fake
    _, token = await fake.slash("kb add", {"url": "http://127.0.0.1:9/x"}, permissions=MODERATOR)
    body = await fake.answer_to(token)
    assert body["embeds"][0]["title"] == "Can't add that"
    assert "private" in body["embeds"][0]["description"] or "loopback" in body["embeds"][0]["description"]
    assert sorted(p.name for p in running.knowledge.glob("*.md")) == ["eu-japan-defence-partnership.md"]


async def test_missing_details_are_asked_for_and_nothing_is_written(running):
    fake = running.fake
    attachment = fake.attachment("notes.txt", TEA.encode(), "text/plain")
    _, token = await fake.slash("kb add", {"file": attachment}, permissions=MODERATOR)
    body = await fake.answer_to(token)
    embed = body["embeds"][0]
    assert embed["title"] == "Some details are missing"
    assert "`title:`" in embed["description"] and "`author:`" in embed["description"]
    assert "`publisher:`" in embed["description"]
    assert not body.get("components")
    assert sorted(p.name for p in running.knowledge.glob("*.md")) == ["eu-japan-defence-partnership.md"]
    assert fake.spec_errors == []


async def test_cancel_writes_nothing(running):
    fake = running.fake
    moderator = fake.person("mod")
    attachment = fake.attachment("tea.txt", TEA.encode(), "text/plain")
    options = {"file": attachment, "title": "Matcha", "author": "Ann Leaf", "publisher": "Tea Weekly"}
    _, token = await fake.slash("kb add", options, user=moderator, roles=[fake.mod_role_id])
    preview = await preview_of(fake, token)
    _, click = await fake.click(
        preview.response, buttons(preview.body)["Cancel"], user=moderator, roles=[fake.mod_role_id]
    )
    update = await fake.wait_for(lambda r: r.path.endswith(f"/{click}/callback"))
    assert update.body["type"] == 7 and update.body["data"]["components"] == []
    assert "Nothing was written" in text_of(update.body)
    assert_within_limits(update.body["data"])
    await asyncio.sleep(0.2)
    left = sorted(p.name for p in running.knowledge.iterdir() if p.name != ".cache")
    assert left == ["eu-japan-defence-partnership.md"]  # no new file, no temporary one either
    assert running.kb.snapshot.document("matcha") is None
    assert fake.spec_errors == []


async def test_only_the_moderator_who_asked_can_confirm(running):
    fake = running.fake
    moderator, other = fake.person("mod"), fake.person("other-mod")
    attachment = fake.attachment("tea.txt", TEA.encode(), "text/plain")
    options = {"file": attachment, "title": "Matcha", "author": "Ann Leaf", "publisher": "Tea Weekly"}
    _, token = await fake.slash("kb add", options, user=moderator, permissions=MODERATOR)
    preview = await preview_of(fake, token)
    _, click = await fake.click(preview.response, buttons(preview.body)["Add"], user=other, permissions=MODERATOR)
    body = await fake.answer_to(click)
    assert body["flags"] & EPHEMERAL and "Only the moderator who asked" in text_of(body)
    assert not (running.knowledge / "tea.md").exists()


async def test_members_are_refused(running):
    fake = running.fake
    member = fake.person("mallory")
    attachment = fake.attachment("tea.txt", TEA.encode(), "text/plain")
    options = {"file": attachment, "title": "Matcha", "author": "Ann Leaf", "publisher": "Tea Weekly"}
    for name, opts in (("kb add", options), ("kb remove", {"document": "eu-japan-defence-partnership"})):
        _, token = await fake.slash(name, opts, user=member)
        body = await fake.answer_to(token)
        assert body["flags"] & EPHEMERAL and "Only moderators" in text_of(body)
    assert any(f"moderator command refused: user={member.id}" in line for line in running.log_records)
    assert sorted(p.name for p in running.knowledge.glob("*.md")) == ["eu-japan-defence-partnership.md"]
    assert fake.spec_errors == []


async def test_a_moderator_of_another_server_is_refused(running):
    fake = running.fake
    other_guild = await fake.add_guild()
    assert "kb" not in {c["name"] for c in fake.commands.get("global", [])}
    home = {c["name"]: c for c in fake.commands[fake.guild_id]}
    assert {"kb", "reload"} <= set(home)
    assert int(home["kb"]["default_member_permissions"]) == MANAGE_GUILD  # hidden from members by default
    assert {o["name"] for o in home["kb"]["options"]} == {"add", "remove", "list"}
    intruder = fake.person("owner-elsewhere")
    for name, opts in (("kb remove", {"document": "eu-japan-defence-partnership"}), ("reload", {}), ("gaps", {})):
        _, token = await fake.slash(name, opts, user=intruder, permissions=MODERATOR, guild_id=other_guild)
        body = await fake.answer_to(token)
        assert body["flags"] & EPHEMERAL
        assert "home server" in text_of(body)
    refused = [line for line in running.log_records if "refused outside the home servers" in line]
    assert refused and all(f"user={intruder.id} guild={other_guild}" in line for line in refused)
    assert (running.knowledge / "eu-japan-defence-partnership.md").exists()
    _, token = await fake.slash("ask", {"question": "Who is Kishida's Indian counterpart?"}, guild_id=other_guild)
    assert "Narendra Modi" in text_of(await fake.answer_to(token))  # asking works everywhere
    assert fake.spec_errors == []


async def test_remove_with_autocomplete_and_confirmation(running):
    fake = running.fake
    (running.knowledge / "tea.md").write_text(
        front_matter(title="Tea", author="Ann Leaf", publisher="Tea Weekly") + "\n" + TEA, encoding="utf-8"
    )
    assert (await running.kb.reload()).ok
    moderator = fake.person("mod")
    _, token = await fake.slash(
        "kb remove", {"document": "japan"}, user=moderator, permissions=MODERATOR, autocomplete="document"
    )
    record = await fake.wait_for(lambda r: f"/{token}/callback" in r.path)
    assert record.body["type"] == 8
    assert record.body["data"]["choices"][0]["value"] == "eu-japan-defence-partnership"
    _, token = await fake.slash(
        "kb remove", {"document": "eu-japan-defence-partnership"}, user=moderator, permissions=MODERATOR
    )
    preview = await preview_of(fake, token)
    assert_within_limits(preview.body)
    assert preview.body["embeds"][0]["title"] == "Remove `eu-japan-defence-partnership`?"
    assert (running.knowledge / "eu-japan-defence-partnership.md").exists()  # not before confirming
    _, click = await fake.click(
        preview.response, buttons(preview.body)["Remove"], user=moderator, permissions=MODERATOR
    )
    final = await final_of(fake, click, "Knowledge base reloaded")
    assert_within_limits(final)
    assert "**Removed:** `eu-japan-defence-partnership`" in text_of(final)
    assert not (running.knowledge / "eu-japan-defence-partnership.md").exists()
    _, token = await fake.slash("ask", {"question": "Who is Kishida's Indian counterpart?"})
    assert "Narendra Modi" not in text_of(await fake.answer_to(token))
    mod_log = await fake.wait_for(lambda r: r.path == f"/channels/{fake.mod_log_channel_id}/messages")
    assert "removed" in text_of(mod_log.body)
    assert fake.spec_errors == []


async def test_the_last_document_cannot_be_removed(running):
    fake = running.fake
    _, token = await fake.slash("kb remove", {"document": "eu-japan-defence-partnership"}, permissions=MODERATOR)
    body = await fake.answer_to(token)
    assert "only document" in text_of(body) and not body.get("components")
    assert (running.knowledge / "eu-japan-defence-partnership.md").exists()


async def test_without_home_servers_nothing_that_changes_knowledge_is_registered(tmp_path: Path):
    async for running in start_bot(tmp_path, KNOWLEDGE_GUILD_IDS=""):
        fake = running.fake
        names = {c["name"] for key in fake.commands for c in fake.commands[key]}
        assert "ask" in names and not names & {"kb", "reload"}
        notes = [line for line in running.log_records if "KNOWLEDGE_GUILD_IDS is not set" in line]
        assert len(notes) == 1


async def test_a_file_over_the_limit_is_refused_before_it_is_downloaded(running):
    fake = running.fake
    big = fake.attachment("big.txt", b"word " * (1_100_000), "text/plain")
    _, token = await fake.slash(
        "kb add", {"file": big, "title": "T", "author": "A", "publisher": "P"}, permissions=MODERATOR
    )
    body = await fake.answer_to(token)
    assert body["embeds"][0]["title"] == "File too large" and "limit is 5 MB" in text_of(body)
    assert body["flags"] & EPHEMERAL
    assert fake.downloads == []
    small = fake.attachment("page.exe", b"MZ\x90\x00binary", "application/octet-stream")
    _, token = await fake.slash(
        "kb add", {"file": small, "title": "T", "author": "A", "publisher": "P"}, permissions=MODERATOR
    )
    body = await fake.answer_to(token)
    assert body["embeds"][0]["title"] == "Can't add that" and fake.downloads == [small.id]
    assert sorted(p.name for p in running.knowledge.glob("*.md")) == ["eu-japan-defence-partnership.md"]
    assert fake.spec_errors == []


async def test_an_unanswered_preview_times_out_and_writes_nothing(running, monkeypatch):
    import bot.adapter.kb_commands as kb_commands

    monkeypatch.setattr(kb_commands, "CONFIRM_TIMEOUT_SECONDS", 0.3)
    fake = running.fake
    attachment = fake.attachment("tea.txt", TEA.encode(), "text/plain")
    options = {"file": attachment, "title": "Matcha", "author": "Ann Leaf", "publisher": "Tea Weekly"}
    _, token = await fake.slash("kb add", options, permissions=MODERATOR)
    await preview_of(fake, token)
    expired = await final_of(fake, token, "Timed out")
    assert expired["components"] == [] and "nothing was written" in text_of(expired)
    assert not (running.knowledge / "tea.md").exists()
    assert fake.spec_errors == []


async def test_a_failure_behind_the_button_is_an_apology_and_a_logged_traceback(running, monkeypatch):
    import bot.adapter.kb_commands as kb_commands

    def broken(*args, **kwargs):
        raise RuntimeError("boom: disk detail")

    monkeypatch.setattr(kb_commands, "commit", broken)
    fake = running.fake
    moderator = fake.person("mod")
    attachment = fake.attachment("tea.txt", TEA.encode(), "text/plain")
    options = {"file": attachment, "title": "Matcha", "author": "Ann Leaf", "publisher": "Tea Weekly"}
    _, token = await fake.slash("kb add", options, user=moderator, permissions=MODERATOR)
    preview = await preview_of(fake, token)
    _, click = await fake.click(preview.response, buttons(preview.body)["Add"], user=moderator, permissions=MODERATOR)
    body = await final_of(fake, click, "Something went wrong")
    assert "boom" not in text_of(body)
    assert any("RuntimeError: boom" in line for line in running.log_records)
    assert running.kb.snapshot.document("tea") is None
