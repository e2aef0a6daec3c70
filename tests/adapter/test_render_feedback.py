"""Feedback rendering: buttons inside Discord's component limits, a gap report inside embed limits."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.adapter.render import (
    FEEDBACK_CUSTOM_ID,
    LIMITS,
    discord_length,
    feedback_custom_id,
    render_feedback_buttons,
    render_forget_buttons,
    render_forget_done,
    render_gaps,
    render_help,
    render_vote,
)
from bot.feedback import GapGroup, GapReport, VoteOutcome, VoteResult
from tests.adapter.test_render import HOSTILE, assert_within_limits

WHEN = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def group(question: str, count: int = 1, *, quote: str | None = None, unhelpful: int = 0) -> GapGroup:
    return GapGroup(
        question=question,
        count=count,
        declined=count - unhelpful,
        unhelpful=unhelpful,
        last_seen=WHEN,
        quote=quote,
        documents=("eu-japan",) if quote else (),
        wordings=(question,),
    )


def report(*groups: GapGroup, asked: int = 10, answered: int = 4, votes: int = 3, helpful: int = 2) -> GapReport:
    return GapReport(7, None, WHEN, "meaning", groups, asked, answered, votes, helpful)


def test_vote_buttons_carry_the_answer_and_the_vote_within_component_limits():
    rows = render_feedback_buttons("AbC_-123xyz")
    assert len(rows) == 1 and rows[0]["type"] == 1
    buttons = rows[0]["components"]
    assert [(b["label"], b["custom_id"]) for b in buttons] == [
        ("Helpful", "fb:AbC_-123xyz:y"),
        ("Not helpful", "fb:AbC_-123xyz:n"),
    ]
    for button in buttons:
        match = re.fullmatch(FEEDBACK_CUSTOM_ID, button["custom_id"])
        assert match and match["answer"] == "AbC_-123xyz"
        assert button["type"] == 2 and len(button["custom_id"]) <= 100 and len(button["label"]) <= 80
    longest = render_feedback_buttons("a" * 40)[0]["components"][0]["custom_id"]
    assert len(longest) <= 100


@pytest.mark.parametrize("bad", ["", "a" * 41, "has space", "colon:inside", "ü"])
def test_an_id_the_template_refuses_is_not_put_in_a_button(bad):
    with pytest.raises(ValueError):
        feedback_custom_id(bad, True)


def test_gap_report_shows_counts_last_seen_and_the_quote_escaped():
    reply = render_gaps(report(group("how do I cook ramen?", 3), group(HOSTILE, 2, quote=HOSTILE, unhelpful=2)))
    assert reply.ephemeral
    assert_within_limits(reply)
    text = reply.embeds[0]["description"]
    assert text.startswith("**Asked:** 10 · **answered:** 40% · **voted helpful:** 67% (3 votes)")
    first, second = text.split("\n\n")[1:]
    assert first.startswith("**3×** “how do I cook ramen?”\nseen 3 times, last on 2026-11-30 (3 not answered)")
    assert "2 voted not helpful" in second and "\n> " in second and "`eu-japan`" in second
    assert "@everyone" not in text.replace("\\@everyone", "")
    assert "<@" not in text.replace("\\<\\@", "")
    assert "](https" not in text


def test_a_long_gap_report_stops_within_the_embed_with_and_n_more():
    groups = [group(f"question number {i} " + "word " * 60, 100 - i, quote="q " * 150) for i in range(80)]
    reply = render_gaps(report(*groups))
    assert_within_limits(reply)
    text = reply.embeds[0]["description"]
    assert discord_length(text) <= LIMITS.description
    shown = text.count("×**")
    assert 0 < shown < 80
    assert text.endswith(f"… and {80 - shown} more questions")


def test_empty_report_and_no_votes_say_so():
    text = render_gaps(report(asked=0, answered=0, votes=0, helpful=0)).embeds[0]["description"]
    assert "**answered:** — · **voted helpful:** — (0 votes)" in text
    assert "Nothing unanswered" in text


@pytest.mark.parametrize(
    ("outcome", "phrase"),
    [
        (VoteOutcome.RECORDED, "recorded: **not helpful**"),
        (VoteOutcome.CHANGED, "changed your vote to **not helpful**"),
        (VoteOutcome.UNCHANGED, "already said **not helpful**"),
        (VoteOutcome.UNKNOWN_ANSWER, "no longer on record"),
        (VoteOutcome.NOT_RECORDED, "couldn't record"),
    ],
)
def test_every_vote_outcome_is_acknowledged_ephemerally(outcome, phrase):
    reply = render_vote(VoteResult(outcome), helpful=False)
    assert reply.ephemeral and phrase in reply.embeds[0]["description"]
    assert_within_limits(reply)


def test_forget_me_buttons_and_results():
    labels = [b["label"] for b in render_forget_buttons()[0]["components"]]
    assert labels == ["Confirm", "Cancel"]
    assert render_forget_done(1).embeds[0]["description"] == "Removed 1 record."
    assert render_forget_done(0).embeds[0]["description"] == "Nothing of yours was stored."
    assert render_forget_done(None).embeds[0]["title"] == "Cancelled"


def test_help_mentions_feedback_commands_only_when_feedback_is_on():
    assert "/forget-me" in render_help(feedback=True).embeds[0]["description"]
    assert "/gaps" in render_help(moderator=True, feedback=True).embeds[0]["description"]
    assert "/gaps" not in render_help(moderator=False, feedback=True).embeds[0]["description"]
    assert "/forget-me" not in render_help(moderator=True, feedback=False).embeds[0]["description"]
