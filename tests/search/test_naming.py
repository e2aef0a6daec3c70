"""A word that names a document selects it; it does not pick the sentences that repeat the name."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.search.answer import Blend
from bot.search.naming import document_names, name_words, without_name_meaning
from bot.search.query import read_question
from bot.serving.snapshot import Snapshot, build_snapshot
from tests.conftest import attach_vectors, front_matter, make_kb

WIDGET = front_matter(title="Widget Licence, version 2", author="Widget Foundation", publisher="Widget Foundation") + (
    "Widget Licence version 2, for the Widget project.\n\n"
    "APPENDIX: how to apply the Widget Licence to your project.\n\n"
    "You may sell copies of the program and charge any fee you choose for each copy.\n"
)
GADGET = front_matter(title="Gadget Terms", author="Gadget Group", publisher="Gadget Group") + (
    "You may not sell copies of the program, nor charge a fee for copies, without written consent.\n\n"
    "A licence to the patents of each contributor is granted under these terms.\n\n"
    "Every licence granted here ends when you sue a contributor over a patent.\n\n"
    "A licence ended this way comes back when the dispute is withdrawn.\n\n"
    "No licence covers the Gadget trademarks.\n"
)
ARTICLE = front_matter(title="What does the new harbour plan actually mean?") + (
    "The harbour plan doubles the number of ferry berths by 2030.\n\n"
    "Critics say the harbour will lose its fishing fleet.\n"
)


@pytest.fixture(scope="module")
def licences(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    folder = make_kb(
        tmp_path_factory.mktemp("kb"), {"widget-licence.md": WIDGET, "gadget-terms.md": GADGET, "harbour.md": ARTICLE}
    )
    return build_snapshot(Path(folder))


@pytest.fixture(scope="module")
def semantic_licences(licences: Snapshot, tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    return attach_vectors(licences, tmp_path_factory.mktemp("vectors"))


@pytest.fixture(scope="module")
def small_licences(licences: Snapshot, tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """With all-MiniLM-L6-v2's vectors, for which meaning alone picks the wrong document."""
    return attach_vectors(licences, tmp_path_factory.mktemp("small"), model="minilm")


def named_words(snapshot: Snapshot) -> dict[str, str]:
    names = document_names(snapshot.index, snapshot.analyzer)
    return {snapshot.index.terms[t]: snapshot.index.documents[p].doc_id for t, p in names.terms.items()}


def test_a_word_names_the_one_document_whose_title_holds_it(licences):
    named = named_words(licences)
    assert named["widget"] == "widget-licence"
    assert named["gadget"] == "gadget-terms"
    assert named["harbour"] == "harbour"


def test_a_title_word_used_mostly_elsewhere_or_shared_names_nothing(licences):
    named = named_words(licences)
    # "licence" is in the Widget title but mostly in Gadget's body; "2" is a numeral.
    assert "licenc" not in named and "2" not in named


def test_naming_a_document_picks_its_clause_not_its_title_lines(licences):
    question = "can i sell copies under the widget licence"
    with_names = licences.ask(question)
    assert with_names.answered
    first = with_names.results[0]
    assert first.document.doc_id == "widget-licence"
    assert "sell copies" in first.quote.text
    without = replace(licences, blend=replace(licences.blend, names=False)).ask(question, decline=False)
    top = without.results[0]
    assert (top.document.doc_id, "sell copies" in top.quote.text) != ("widget-licence", True)


def test_name_words_are_the_question_words_as_written(licences):
    index, analyzer = licences.index, licences.analyzer
    names = document_names(index, analyzer)
    text = "Under the Widget licence, can I sell copies?"
    assert names.named(read_question(text, index, analyzer, None).term_ids)
    assert name_words(text, analyzer, names) == "widget"


def test_taking_a_name_out_of_a_vector_moves_it_away_from_the_name():
    name = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    question = np.array([0.8, 0.6, 0.0], dtype=np.float32)

    def encode(texts: list[str]) -> np.ndarray:
        return np.stack([name for _ in texts])

    moved = without_name_meaning(question, "widget", encode, 0.5)
    assert np.isclose(np.linalg.norm(moved), 1.0)
    assert moved @ name < question @ name
    assert without_name_meaning(question, "", encode, 0.5) is question
    assert Blend().name_weight > 0


def test_by_meaning_too_the_named_clause_answers_not_the_title_lines(semantic_licences):
    semantic = semantic_licences
    unnamed = replace(semantic, blend=replace(semantic.blend, names=False))
    for question in (
        "does the widget licence let me charge for copies",
        "what fee can i charge per copy under the widget licence",
    ):
        answer = semantic.ask(question)
        assert answer.answered, question
        assert answer.results[0].document.doc_id == "widget-licence", question
        assert "sell copies" in answer.results[0].quote.text, question
        # Without names the sentences that repeat "Widget" win: the title line or the appendix.
        assert "sell copies" not in unnamed.ask(question, decline=False).results[0].quote.text, question


@pytest.mark.parametrize("kb", ["semantic_licences", "small_licences"])
def test_by_meaning_the_named_document_outranks_the_same_words_elsewhere(kb, request):
    semantic = request.getfixturevalue(kb)
    no_prior = replace(semantic, blend=replace(semantic.blend, name_prior=0.0))
    for question in ("widget: selling copies ok?", "does widget allow selling copies"):
        if kb == "small_licences":
            # To MiniLM, Gadget's "You may not sell copies…" is the closer sentence by meaning alone.
            assert no_prior.ask(question, decline=False).results[0].document.doc_id == "gadget-terms", question
        answer = semantic.ask(question)
        assert answer.answered, question
        assert answer.results[0].document.doc_id == "widget-licence", question
        assert answer.results[0].quote.text.startswith("You may sell copies"), question
