"""A question that asks when (or how many) is quoted with the sentence that says when."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.search.kinds import asks_when, says_when
from bot.serving.snapshot import build_snapshot
from tests.conftest import attach_vectors, front_matter, make_kb


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("When did Japan join the United Nations?", True),
        ("so when was telenet incorporated", True),
        ("In what year was the fort destroyed?", True),
        ("which decade saw the first network", True),
        ("since when has the treaty been in force", True),
        # "when" as a conjunction, and questions of another kind.
        ("what happens when i distribute a modified copy", False),
        ("do i have to pay when i sell it", False),
        ("how many packages use it", False),
        ("how does the article end", False),
        ("Who signed the deal?", False),
    ],
)
def test_asking_when_is_read_from_the_questions_grammar(question, asks):
    assert asks_when(question) is asks


def test_a_sentence_says_when_only_with_a_time_the_question_lacks():
    assert says_when("It joined the United Nations in 1956.", "when did japan join the UN")
    assert says_when("The work began in March.", "when did the work begin")
    assert says_when("Printing spread in the 14th century.", "when did printing spread")
    assert not says_when("The 1956 declaration ended the state of war.", "when was the 1956 declaration signed")
    assert not says_when("Japan has become a partner of 27 states.", "when did japan become a partner")


BRIDGE = front_matter(title="The bridge") + (
    "The harbour bridge is open to trains, trams and cars, and it links the two halves of the city. "
    "It carries the harbour bridge railway too. The harbour bridge was finished in 1932. "
    "Its steel arch is the widest in the country.\n\n"
    "Ferries still cross the harbour every hour.\n"
)


def test_a_when_question_quotes_the_sentence_that_says_when(tmp_path):
    snapshot = attach_vectors(build_snapshot(Path(make_kb(tmp_path / "kb", {"b.md": BRIDGE}))), tmp_path / "vectors")
    question = "When did the harbour bridge open?"
    answer = snapshot.ask(question)
    assert answer.answered
    assert "1932" in answer.results[0].quote.text
    assert answer.results[0].quote.text in BRIDGE
    plain = replace(snapshot, blend=replace(snapshot.blend, answer_type=0.0)).ask(question)
    assert "1932" not in plain.results[0].quote.text
    # The decline never reads the kind: the same question is answered (or not) either way.
    assert plain.answered == answer.answered
