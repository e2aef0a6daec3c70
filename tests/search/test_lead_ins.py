"""A list item's lead-in is its context: "b) a copy of this Agreement must be included" never
repeats the "When the Program is Distributed as Source Code:" that it answers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.knowledge.passages import is_lead_in, is_list_item
from bot.serving.snapshot import Snapshot, build_snapshot
from tests.conftest import attach_vectors, front_matter, make_kb

TERMS = front_matter(title="Widget Public Licence", author="Widget Foundation") + (
    "1. Copies.\n\n"
    "If you distribute the program as source code, you must meet all of these conditions:\n\n"
    "a) keep the copyright notice intact in each file.\n\n"
    "b) give every recipient a copy of this licence, with the following:\n\n"
    "i. the name of each contributor;\n\n"
    "ii. the date of each change.\n\n"
    "The conditions above apply to every copy.\n\n"
    "c) an item after a plain paragraph belongs to no list.\n\n"
    "2. Servers.\n\n"
    "a) you need not keep the copyright notice you were given when the program runs on a server.\n"
)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    return build_snapshot(Path(make_kb(tmp_path_factory.mktemp("kb"), {"widget.md": TERMS})))


def _ordinal(snapshot: Snapshot, start: str) -> int:
    return next(o for o, p in enumerate(snapshot.index.passages) if p.text.startswith(start))


def _lead_of(snapshot: Snapshot, start: str) -> str | None:
    lead = snapshot.index.lead_in(_ordinal(snapshot, start))
    return snapshot.index.passages[lead].text if lead >= 0 else None


def test_markers_and_lead_ins_are_read_from_the_text():
    for text in ("a) it must", "(b) You must", "iii. a notice", "(2) the date", "- use the Work", "• one"):
        assert is_list_item(text), text
    for text in ("2. Grant of Licence.", "A licence", "also: this", "1.1 Scope"):
        assert not is_list_item(text), text
    assert is_lead_in("provided that You meet the following conditions:")
    assert not is_lead_in("You must keep this notice.")


def test_each_item_of_a_list_has_the_sentence_that_introduced_it(snapshot):
    lead = "If you distribute the program as source code, you must meet all of these conditions:"
    assert _lead_of(snapshot, "a) keep the copyright notice") == lead
    assert _lead_of(snapshot, "b) give every recipient") == lead  # past the item before it
    assert _lead_of(snapshot, "ii. the date").startswith("b) give every recipient")  # a nested list's
    assert _lead_of(snapshot, "c) an item after a plain paragraph") is None
    assert _lead_of(snapshot, "a) you need not keep") is None  # a label ends the walk
    assert _lead_of(snapshot, "The conditions above") is None  # not an item


def test_the_lead_in_is_in_the_items_context(snapshot):
    index = snapshot.index
    words = {index.terms[t] for t in index.context_terms(_ordinal(snapshot, "a) keep the copyright notice"))}
    assert {snapshot.analyzer.term(w) for w in ("distribute", "source", "conditions")} <= words


def test_the_item_of_the_list_the_question_is_about_answers(snapshot, tmp_path):
    semantic = attach_vectors(snapshot, tmp_path / "vectors")
    question = "if i distribute it as source code do i have to keep the copyright notice"
    flat = replace(semantic, blend=replace(semantic.blend, sections=False))
    # Without the lead-in as context, the lead-in itself comes first: it holds the question's
    # "distribute" and "source code", the item only "keep the copyright notice".
    assert not flat.ask(question).results[0].quote.text.startswith("a) keep the copyright notice intact")
    assert semantic.ask(question).results[0].quote.text.startswith("a) keep the copyright notice intact")


def test_a_short_lead_in_is_a_label_and_nests_inside_its_section(snapshot):
    from bot.knowledge.passages import is_label_text

    assert is_label_text('"Contribution" means:')
    assert is_label_text("3.2 When the Program is Distributed as Source Code:")
    long = "If you distribute the program as source code, you must meet all of these conditions:"
    assert not is_label_text(long)  # fifteen words state a rule of their own
    index = snapshot.index
    nested = _ordinal(snapshot, "b) give every recipient")
    assert index.labels[nested]
    # A lead-in is no heading: it neither closes "1. Copies." nor opens a section of its own.
    assert index.passages[int(index.sections[nested])].text == "1. Copies."
    assert index.passages[int(index.sections[_ordinal(snapshot, "ii. the date")])].text == "1. Copies."
    assert index.passages[int(index.sections[_ordinal(snapshot, "The conditions above")])].text == "1. Copies."
