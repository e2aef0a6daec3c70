"""A clause's section heading is its context: a question word the heading holds counts as present in the clause."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.serving.snapshot import Snapshot, build_snapshot
from tests.conftest import attach_vectors, front_matter, make_kb

TERMS = front_matter(title="Widget Public Licence", author="Widget Foundation") + (
    "Preamble\n\n"
    "The Widget Foundation wrote this licence for its own programs.\n\n"
    "1. Patents.\n\n"
    "Each contributor grants you a worldwide, royalty-free licence under the claims it controls.\n\n"
    "1.1. Scope\n\n"
    "The grant covers making, selling and importing the program.\n\n"
    "2. Trademarks.\n\n"
    "Each contributor grants you no licence under the names and logos it controls.\n\n"
    "TERMS AND CONDITIONS\n\n"
    "You must keep this notice in every copy.\n"
)
OTHER = front_matter(title="Gadget Terms", author="Gadget Foundation") + (
    "You may not sell copies of the Gadget without written permission.\n"
)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    return build_snapshot(Path(make_kb(tmp_path_factory.mktemp("kb"), {"widget.md": TERMS, "gadget.md": OTHER})))


def _section_of(snapshot: Snapshot, start: str) -> str | None:
    index = snapshot.index
    ordinal = next(o for o, p in enumerate(index.passages) if p.text.startswith(start))
    label = int(index.sections[ordinal])
    return index.passages[label].text if label >= 0 else None


def test_sections_nest_by_their_numbers_and_end_at_an_unnumbered_heading(snapshot):
    assert _section_of(snapshot, "The Widget Foundation wrote") == "Preamble"
    assert _section_of(snapshot, "Each contributor grants you a worldwide") == "1. Patents."
    assert _section_of(snapshot, "The grant covers") == "1.1. Scope"
    assert _section_of(snapshot, "1.1. Scope") == "1. Patents."  # the sub-heading sits inside 1.
    assert _section_of(snapshot, "Each contributor grants you no licence") == "2. Trademarks."
    assert _section_of(snapshot, "2. Trademarks.") is None  # 2. closes 1. and 1.1.
    assert _section_of(snapshot, "You must keep this notice") == "TERMS AND CONDITIONS"
    assert _section_of(snapshot, "Widget Public Licence") is None  # the front matter is in none


def test_context_holds_every_enclosing_heading(snapshot):
    index = snapshot.index
    ordinal = next(o for o, p in enumerate(index.passages) if p.text.startswith("The grant covers"))
    words = {index.terms[t] for t in index.context_terms(ordinal)}
    assert {index.terms[index.vocab[snapshot.analyzer.term(w)]] for w in ("patents", "scope")} <= words


def test_a_question_naming_a_section_gets_that_sections_clause(snapshot, tmp_path):
    question = "widget licence trademarks: what does each contributor grant me"
    semantic = attach_vectors(snapshot, tmp_path / "vectors")
    assert semantic.ask(question).results[0].quote.text.startswith("Each contributor grants you no licence")
    # all-MiniLM-L6-v2 needs the headings: without them the patent grant reads closer.
    small = attach_vectors(snapshot, tmp_path / "small", model="minilm")
    flat = replace(small, blend=replace(small.blend, sections=False))
    assert flat.ask(question).results[0].quote.text.startswith("Each contributor grants you a worldwide")
    assert small.ask(question).results[0].quote.text.startswith("Each contributor grants you no licence")
