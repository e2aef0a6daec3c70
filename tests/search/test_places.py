"""A question that points at a place in its document ("in the last line") gets the passage there."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.search.answer import Status
from bot.search.intent import Place, asked_place
from bot.serving.snapshot import Snapshot, build_snapshot
from tests.conftest import answer_lexically, attach_vectors, front_matter, make_kb

# No word of "wrap it up", "last line" or "opening" is in the text, and its first and last
# paragraphs share their words with the middle.
HARBOUR = front_matter(
    title="What the harbour plan means", author="Ann Quay", author_bio="Ann Quay writes about ports."
) + (
    "The harbour plan doubles the number of ferry berths by 2030.\n\n"
    "Critics say the ferry berths will cost the town its fishing fleet.\n\n"
    "The council will vote on the plan in May.\n\n"
    "Whatever the vote, the town must choose between ferries and fishing.\n"
)
LAST = "Whatever the vote, the town must choose between ferries and fishing."
FIRST = "The harbour plan doubles the number of ferry berths by 2030."


@pytest.fixture(scope="module")
def harbour(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    return build_snapshot(make_kb(tmp_path_factory.mktemp("kb"), {"harbour.md": HARBOUR}))


@pytest.mark.parametrize(
    ("question", "place", "left"),
    [
        ("how does the writer wrap it all up in the last line", Place.END, "how does the in the"),
        ("hows the author wrap it up at the very end", Place.END, "hows the"),
        ("does the article end by saying ferries matter", Place.END, "does the by saying ferries matter"),
        ("does the writer sign off on a hopeful note", Place.END, "does the on a hopeful note"),
        ("what does the closing paragraph say about fishing", Place.END, "what does the say about fishing"),
        ("at the end of the piece, what must the town choose", Place.END, "of the piece, what must the town choose"),
        ("first line of the piece: how many berths", Place.START, "of the piece: how many berths"),
        ("how does the op-ed kick off", Place.START, "how does the"),
    ],
)
def test_the_words_that_say_where_are_read_as_a_place(question, place, left):
    assert asked_place(question) == (place, left)


@pytest.mark.parametrize(
    "question",
    [
        "since the end of ww2 has the town had ferries",  # the end of something else
        "the deal the mayor wrapped up last year",  # a deal is wrapped up, not the text
        "did the mayor sign off on the plan",  # approving, not ending a text
        "what did the ferries end up costing",
        "in one of his final acts the mayor signed",
        "what is the first line of defence against floods",  # a part of something else
        "what is the last line of defence against floods",
        "what happens at the end of the first line and at the end",  # both ends: neither
    ],
)
def test_other_uses_of_the_same_words_are_not_places(question):
    assert asked_place(question) == (None, question)


def test_the_last_passage_answers_a_question_about_the_end(harbour):
    for question in (
        "how does the writer wrap it all up in the last line",  # no word of it is in the text
        "does the author sign off on a note about ferries",
        "what does the closing paragraph say about fishing",
    ):
        answer = answer_lexically(harbour, question)
        assert answer.status is Status.ANSWERED, question
        assert answer.results[0].quote.text == LAST, question
    first = answer_lexically(harbour, "how does the piece open, what about ferry berths")
    assert first.results[0].quote.text == FIRST


def test_without_the_place_prior_the_question_is_read_as_words(harbour):
    off = dataclasses.replace(harbour, blend=dataclasses.replace(harbour.blend, place_prior=0.0))
    assert answer_lexically(off, "how does the writer wrap it all up in the last line").status is not Status.ANSWERED


def test_the_place_is_in_the_named_document(tmp_path: Path):
    licence = front_matter(title="Widget Public Licence", author="Widget Foundation") + (
        "You may sell copies of the Program.\n\nThis Licence ends when you break it.\n\nEND OF TERMS AND CONDITIONS\n"
    )
    snapshot = build_snapshot(make_kb(tmp_path, {"harbour.md": HARBOUR, "wpl.md": licence}))
    answer = answer_lexically(snapshot, "widget licence: what does its last line say")
    assert answer.results[0].document.doc_id == "wpl"
    # A label ("END OF TERMS AND CONDITIONS") names what follows; it is not where a text ends.
    assert answer.results[0].quote.text == "This Licence ends when you break it."
    # With several documents and nothing to say which, a bare place has nothing to point at.
    assert answer_lexically(snapshot, "how does it all wrap up in the last line").status is not Status.ANSWERED


def test_the_semantic_path_quotes_the_place_too(harbour, tmp_path: Path):
    semantic = attach_vectors(harbour, tmp_path)
    answer = semantic.ask("so whats the author's advice at the very end")
    assert answer.status is Status.ANSWERED
    assert answer.results[0].quote.text == LAST  # not the byline, which is near every "author" question
