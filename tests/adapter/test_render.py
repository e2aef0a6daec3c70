"""Rendering stays inside Discord's limits, keeps quotes verbatim and never pings."""

from __future__ import annotations

import json
import re

import pytest

from bot.adapter.render import (
    LIMITS,
    discord_length,
    escape_markdown,
    render_answer,
    render_help,
    render_overview,
    render_reload,
    render_sources,
    render_summary,
)
from bot.errors import KnowledgeProblem
from bot.serving.library import ReloadReport
from bot.serving.snapshot import build_snapshot
from tests.conftest import front_matter, make_kb

HOSTILE = (
    "**Bold** claims _really_ ~~matter~~ to `code` people. @everyone should see <@123456789012345678> and "
    "<@&987654321098765432> in #general > now. [Click here](https://evil.example/x) || spoiler || - dash.\n"
    "# A heading line inside the paragraph\n"
    "1. a numbered line and a backslash \\ too."
)


def unescape(text: str) -> str:
    """What Discord shows for our escaped Markdown (bold markers and quote prefixes removed)."""
    text = re.sub(r"(?m)^> ?", "", text)
    text = text.replace("**", "")
    return re.sub(r"\\(.)", r"\1", text)


def assert_shown_verbatim(shown: str, exact: str) -> None:
    """The verbatim promise as people see it: the quote's own characters, word for word.

    Only white space may differ, and only because a line break inside a paragraph (hard-wrapped
    source text) is shown as a space; a line break stays only where a list item starts.
    """
    assert shown.split() == exact.split()
    assert re.sub(r"\s+", "", shown) == re.sub(r"\s+", "", exact)
    for line in shown.splitlines()[1:]:
        assert re.match(r"[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]", line), f"line break inside a paragraph: {line!r}"


def assert_within_limits(reply) -> None:
    message = reply.to_message()
    assert message["allowed_mentions"] == {"parse": []}
    assert discord_length(message.get("content") or "") <= LIMITS.content
    assert len(message["embeds"]) <= LIMITS.embeds
    total = 0
    for embed in message["embeds"]:
        title = embed.get("title", "")
        description = embed.get("description", "")
        footer = embed.get("footer", {}).get("text", "")
        assert discord_length(title) <= LIMITS.title
        assert discord_length(description) <= LIMITS.description
        assert discord_length(footer) <= LIMITS.footer
        for field in embed.get("fields", []):
            assert discord_length(field["name"]) <= LIMITS.field_name
            assert discord_length(field["value"]) <= LIMITS.field_value
        total += discord_length(title) + discord_length(description) + discord_length(footer)
    assert total <= LIMITS.embed_total


def assert_cannot_ping(reply) -> None:
    for embed in reply.embeds:
        for text in (embed.get("title", ""), embed.get("description", "")):
            assert not re.search(r"(?<!\\)@(everyone|here)", text)
            assert not re.search(r"(?<!\\)<[@#]", text)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    giant = " ".join(f"word{i}" for i in range(1500))  # one sentence, ~12,000 characters
    long_para = " ".join(f"Sentence {i} talks about quokkas and wombats at length." for i in range(60))
    files = {
        "hostile.md": front_matter(
            title=json.dumps("@everyone " + "T" * 400), author=json.dumps("<@123> **Author**"), publisher="P" * 3000
        )
        + f"\n{HOSTILE}\n\n{giant} quokka.\n\n{long_para}\n",
        **{f"doc{i}.md": front_matter(title=f"Doc {i}") + f"\nQuokkas {i} live here. " * 40 + "\n" for i in range(12)},
    }
    return build_snapshot(make_kb(tmp_path_factory.mktemp("kb"), files))


@pytest.mark.parametrize("question", ["quokkas", "wombats quokkas", "everyone bold claims", "word700", "quokka"])
def test_answers_fit_discord_and_stay_verbatim(hostile, question):
    answer = hostile.ask(question, top=10)
    assert answer.answered
    reply = render_answer(answer, hostile.documents)
    assert_within_limits(reply)
    assert_cannot_ping(reply)
    for embed, result in zip(reply.embeds, answer.results, strict=False):
        shown = unescape(embed["description"])
        if "(more in ¶" in shown:
            shown = shown.rsplit(" … ", 1)[0]
            words = shown.split()
            assert result.quote.text.split()[: len(words)] == words, "not the quote's first words, or cut mid-word"
        else:
            assert_shown_verbatim(shown, result.quote.text)
        assert embed["footer"]["text"]  # the citation is never dropped


def test_markdown_is_escaped_so_discord_shows_the_words(hostile):
    result = hostile.ask("everyone bold claims spoiler").results[0]
    description = render_answer(hostile.ask("everyone bold claims spoiler"), hostile.documents).embeds[0]["description"]
    assert "\\@**everyone**" in description  # escaped, and bold because the question asked for it
    assert "\\<\\@123456789012345678\\>" in description
    assert "\\[Click here\\]\\(https" in description
    assert_shown_verbatim(unescape(description), result.quote.text)
    assert "\n# A heading line" in result.quote.text  # the source breaks the line; the reply does not
    assert "dash. \\# A heading line" in description


WRAPPED = (
    "Japan and the EU signed the partnership in Brussels after\n"
    "two years of talks,   \n   which both sides called a turning point\n"
    "for security in the Indo-Pacific. The agreement covers:\n"
    "- maritime security\n"
    "  - and cyber defence, in\n"
    "two lines.\n"
)


@pytest.fixture(scope="module")
def wrapped(tmp_path_factory):
    files = {"wrapped.md": front_matter(title="Wrapped") + "\n" + WRAPPED + "\nA second\nparagraph here.\n"}
    return build_snapshot(make_kb(tmp_path_factory.mktemp("kb"), files))


def test_hard_wrapped_quotes_show_no_line_breaks_and_stay_verbatim(wrapped):
    answer = wrapped.ask("when did japan and the eu sign the partnership in brussels?")
    result = answer.results[0]
    assert "\n" in result.quote.text and result.quote.text in wrapped.documents[0].body  # the exact slice
    shown = unescape(render_answer(answer, wrapped.documents).embeds[0]["description"])
    assert shown.startswith("Japan and the EU signed the partnership in Brussels after two years of talks, which")
    assert_shown_verbatim(shown, result.quote.text)


def test_list_items_keep_their_line_breaks_and_summaries_are_unwrapped(wrapped):
    answer = wrapped.ask("the agreement covers maritime security")
    shown = unescape(render_answer(answer, wrapped.documents).embeds[0]["description"])
    assert shown == "The agreement covers:\n- maritime security"
    assert_shown_verbatim(shown, answer.results[0].quote.text)
    summary = wrapped.summarize(wrapped.documents[0], sentences=10)
    description = unescape(render_summary(summary).embeds[0]["description"])
    pieces = [re.sub(r" \*\(¶\d+\)\*$", "", piece) for piece in description.split("\n\n")]
    assert len(pieces) == len(summary.sentences) >= 2
    for piece, sentence in zip(pieces, summary.sentences, strict=True):
        assert_shown_verbatim(piece, sentence.text)
    assert "after two years of talks, which both sides" in description
    assert "- and cyber defence, in two lines." in description


def test_escape_markdown_covers_line_starts():
    assert escape_markdown("# title\n> quote\n- item\n1. first") == "\\# title\n\\> quote\n\\- item\n\\1. first"
    assert escape_markdown("EU-Japan 3.5") == "EU-Japan 3.5"


def test_summaries_sources_and_reports_fit(hostile):
    for document in hostile.documents:
        summary = hostile.summarize(document, sentences=10)
        reply = render_summary(summary)
        assert_within_limits(reply)
        assert_cannot_ping(reply)
        for sentence in summary.sentences:
            assert sentence.text in document.body
    assert_within_limits(render_overview([hostile.summarize(d, sentences=1) for d in hostile.documents]))
    paragraphs = [hostile.paragraph_count(d) for d in hostile.documents]
    assert_within_limits(render_sources(hostile.documents * 40, paragraphs * 40))
    problems = tuple(KnowledgeProblem(f"knowledge/f{i}.md", i, "bad YAML " + "x" * 200) for i in range(500))
    failed = render_reload(ReloadReport(ok=False, problems=problems))
    assert_within_limits(failed)
    assert "knowledge/f0.md:0: bad YAML" in failed.embeds[0]["description"]
    assert "more" in failed.embeds[0]["description"]
    assert_within_limits(render_reload(ReloadReport(ok=True, added=tuple(f"d{i}" for i in range(900)))))
    assert_within_limits(render_help(moderator=True))


def test_declines_point_to_sources(hostile):
    reply = render_answer(hostile.ask("ramen recipe"), hostile.documents)
    assert reply.embeds[0]["title"] == "Not in the knowledge base"
    assert "and 8 more" in reply.embeds[0]["description"]
    assert_cannot_ping(reply)


def test_escaping_hostile_line_starts():
    assert escape_markdown("\r\n" * 3 + "- x") == "\r\n" * 3 + "\\- x"
    assert escape_markdown("1" * 20 + ".") == "1" * 20 + "."  # not a list number: too long
    assert escape_markdown("  12. item") == "  \\12. item"


def test_a_reload_on_several_processes_lists_each_and_names_the_silent():
    from bot.serving.coordination import FanoutReport, ProcessId, ProcessOutcome

    local = ReloadReport(ok=True, documents=2, passages=30, added=("tea",))
    here, there, quiet = ProcessId("a", 1, (0,)), ProcessId("b", 2, (1,)), ProcessId("c", 3, (2,))
    fanout = FanoutReport(
        local=local,
        outcomes=(ProcessOutcome.of(here, local), ProcessOutcome(there, ok=False, busy=True, line="reload skipped")),
        silent=(quiet,),
        waited_s=20,
    )
    reply = render_reload(local, fanout)
    text = reply.embeds[0]["description"]
    assert "**Added:** `tea`" in text  # this process's details stay
    assert "**Processes:** 2 answered, 1 silent" in text
    assert "✅ **a pid 1, shard 0**: reload ok" in text
    assert "⏳ **b pid 2, shard 1**: reload skipped" in text
    assert "❔ **c pid 3, shard 2**: no answer within 20 s" in text
    assert reply.embeds[0]["color"] != render_reload(local).embeds[0]["color"]  # not all well: a warning colour
    assert reply.ephemeral
    many = FanoutReport(
        local=local,
        outcomes=tuple(ProcessOutcome.of(ProcessId("h" * 60, i, (i,)), local) for i in range(400)),
    )
    crowded = render_reload(
        ReloadReport(ok=False, problems=tuple(KnowledgeProblem("f.md", 1, "x" * 250) for _ in range(50))), many
    )
    assert_within_limits(crowded)
    assert "more" in crowded.embeds[0]["description"].rsplit("**Processes:**", 1)[1]


def test_a_reload_while_redis_is_away_says_only_this_process_reloaded():
    from bot.serving.coordination import FanoutReport, ProcessId, ProcessOutcome

    local = ReloadReport(ok=True, documents=1, passages=3)
    fanout = FanoutReport(
        local=local, outcomes=(ProcessOutcome.of(ProcessId("a", 1), local),), shared=False, degraded=True
    )
    text = render_reload(local, fanout).embeds[0]["description"]
    assert "only this process reloaded" in text
