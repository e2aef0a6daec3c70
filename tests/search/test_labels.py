"""A heading line or a definition's term, kept as a paragraph of its own, stands for the clause it names."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.search.answer import is_label
from bot.serving.snapshot import Snapshot, build_snapshot
from tests.conftest import answer_lexically, attach_vectors, front_matter, make_kb

# As licences converted from plain text have it: each heading is a paragraph.
TERMS = front_matter(title="Widget Public Licence", author="Widget Foundation") + (
    "2.3. Limitations on Grant Scope\n\n"
    "The licences granted in this Section are the only rights granted; no patent rights are implied.\n\n"
    '1.5. "Secondary Licence" means\n\n'
    "either the Widget General Licence or the Widget Lesser Licence, version 2 or later.\n\n"
    "The Program is provided without warranty of any kind.\n"
)
OTHER = front_matter(title="Gadget Terms", author="Gadget Foundation") + (
    "You may not sell copies of the Library without written permission.\n\n"
    "These terms are governed by the laws of the place where the author lives.\n"
)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    folder = make_kb(tmp_path_factory.mktemp("kb"), {"widget.md": TERMS, "gadget.md": OTHER})
    return build_snapshot(Path(folder))


QUESTIONS = {
    "is the grant scope limited": "only rights granted",
    "what counts as a secondary licence": "Widget General Licence",
}


LABELS = (
    "2.3. Limitations on Grant Scope",
    "Limitations on Grant Scope",
    '1.5. "Secondary Licence" means',
    '"Secondary Licence" means',
)


def test_labels_are_short_lines_without_a_sentence_end(snapshot):
    labels = {p.text for p in snapshot.index.passages if is_label(p)}
    assert labels == {"2.3. Limitations on Grant Scope", '1.5. "Secondary Licence" means'}
    # The per-index mask the ranking reads, built from the text without passage objects, agrees.
    assert [bool(m) for m in snapshot.index.labels] == [is_label(p) for p in snapshot.index.passages]


def _first(snapshot: Snapshot, question: str) -> str:
    answer = answer_lexically(snapshot, question)
    assert answer.answered, question
    return answer.results[0].quote.text


def test_by_words_the_clause_is_shown_where_its_label_ranks(snapshot):
    unlabelled = replace(snapshot, blend=replace(snapshot.blend, labels=False))
    for question, answer in QUESTIONS.items():
        assert _first(unlabelled, question) in LABELS  # the label's words match the question best
        assert answer in _first(snapshot, question)


def test_by_meaning_the_clause_is_shown_where_its_label_ranks(snapshot, tmp_path_factory):
    semantic = attach_vectors(snapshot, tmp_path_factory.mktemp("vectors"))
    unlabelled = replace(semantic, blend=replace(semantic.blend, labels=False))
    for question, answer in QUESTIONS.items():
        assert unlabelled.ask(question).results[0].quote.text in LABELS
        assert answer in semantic.ask(question).results[0].quote.text


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("8. Termination.", True),
        ("9. LIMITATION OF LIABILITY.", True),
        ("12. No Surrender of Others' Freedom.", True),
        ("1. Preheat the oven.", False),
        ("3. You must keep the notices.", False),
        ("Ferries run every hour.", False),
        ("Termination.", False),
    ],
)
def test_a_numbered_heading_closed_by_a_full_stop_is_a_label(text, label):
    from bot.knowledge.passages import is_label_text

    assert is_label_text(text) is label


STOPPED = front_matter(title="Widget Public Licence", author="Widget Foundation") + (
    "8. Termination.\n\n"
    "Your rights under this Licence end automatically if you fail to comply with any of its terms.\n\n"
    "9. Governing Law.\n\n"
    "This Licence is governed by the laws of the country where the Widget Foundation is based.\n"
)


def test_a_full_stop_heading_stands_for_its_clause(tmp_path):
    snapshot = build_snapshot(Path(make_kb(tmp_path / "kb", {"widget.md": STOPPED, "gadget.md": OTHER})))
    answer = answer_lexically(snapshot, "widget licence termination")
    assert answer.answered
    assert answer.results[0].quote.text.startswith("Your rights under this Licence end")
    assert all(not r.quote.text.endswith("Termination.") for r in answer.results)
