"""The /kb payloads fit Discord and cannot ping, whatever the document and the moderator typed."""

from __future__ import annotations

import re

import pytest

from bot.adapter.render import (
    LIMITS,
    discord_length,
    render_kb_done,
    render_kb_list,
    render_kb_missing,
    render_kb_preview,
    render_kb_remove_preview,
)
from bot.ingest import Overrides, prepare
from bot.serving.library import ReloadReport
from bot.serving.snapshot import build_snapshot
from tests.adapter.test_render import HOSTILE, assert_cannot_ping
from tests.conftest import front_matter, make_kb

EVIL = "@everyone <@123456789012345678> **bold** " + "T" * 400


def assert_fits(reply) -> None:
    """Every embed limit, fields included in the 6000-character total."""
    message = reply.to_message()
    assert message["allowed_mentions"] == {"parse": []}
    for embed in message["embeds"]:
        total = sum(discord_length(embed.get(k, "")) for k in ("title", "description"))
        total += discord_length(embed.get("footer", {}).get("text", ""))
        assert discord_length(embed.get("title", "")) <= LIMITS.title
        assert discord_length(embed.get("description", "")) <= LIMITS.description
        assert len(embed.get("fields", [])) <= LIMITS.fields
        for item in embed.get("fields", []):
            assert 0 < discord_length(item["value"]) <= LIMITS.field_value
            total += discord_length(item["name"]) + discord_length(item["value"])
        assert total <= LIMITS.embed_total


@pytest.fixture
def knowledge(tmp_path):
    return make_kb(tmp_path / "kb", {"a.md": front_matter(title="A") + "\nSome text.\n"})


def test_a_preview_of_a_huge_hostile_document_fits_and_shows_its_opening(knowledge):
    paragraphs = [HOSTILE.replace("\n", " ")] + [f"Paragraph {i} " + "word " * 900 for i in range(40)]
    data = "\n\n".join(paragraphs).encode()
    overrides = Overrides(title=EVIL[:300], author="<@&1> Ann", publisher="P" * 200)
    prepared = prepare(data, filename="big.txt", overrides=overrides, knowledge_dir=knowledge)
    reply = render_kb_preview(prepared, source="https://example.org/" + "x" * 3000)
    assert_fits(reply)
    assert_cannot_ping(reply)
    embed = reply.embeds[0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Paragraphs"] == "41"
    assert fields["Author"] == "\\<\\@&1\\> Ann"
    assert all(not re.search(r"(?<!\\)[@<]", f["value"]) for f in embed["fields"])
    assert embed["description"].startswith("> \\*\\*Bold\\*\\* claims")
    assert embed["description"].endswith("more paragraphs*")
    assert reply.ephemeral


def test_the_preview_of_an_update_says_what_it_replaces(knowledge):
    data = b"Some text.\n"
    overrides = Overrides(title="A", author="A. Writer", publisher="The Paper", doc_id="a")
    prepared = prepare(data, filename="a.txt", overrides=overrides, knowledge_dir=knowledge)
    embed = render_kb_preview(prepared, source="a.txt").embeds[0]
    assert embed["title"] == "Update `a`?"
    assert any(f["name"] == "Replaces" and f["value"].startswith("`a`") for f in embed["fields"])


def test_missing_fields_name_the_options():
    reply = render_kb_missing(("author", "publisher"), source=EVIL)
    text = reply.embeds[0]["description"]
    assert "`author:`, `publisher:`" in text and "Nothing was written" in text
    assert_fits(reply)
    assert_cannot_ping(reply)


def test_lists_and_reports_fit_with_many_hostile_documents(tmp_path):
    files = {
        f"d{i}.md": front_matter(
            title=f'"{EVIL} {i}"',
            author="A",
            publisher="P",
            source=f'"https://x.example/{"y" * 300}"',
            added_by='"<@1> mallory (1)"',
            added_at="2025-01-01T00:00:00Z",
        )
        + "\nText.\n"
        for i in range(200)
    }
    snapshot = build_snapshot(make_kb(tmp_path / "kb", files))
    listing = render_kb_list(snapshot.documents)
    assert_fits(listing)
    assert_cannot_ping(listing)
    assert "more documents" in listing.embeds[0]["description"]
    first = snapshot.documents[0]
    assert_fits(render_kb_remove_preview(first, 1))
    assert_cannot_ping(render_kb_remove_preview(first, 1))
    report = ReloadReport(ok=True, added=tuple(d.doc_id for d in snapshot.documents), documents=200)
    done = render_kb_done("Added **" + "x" * 3000 + "**", report)
    assert_fits(done)
    assert done.embeds[0]["description"].startswith("Added **xxx")
