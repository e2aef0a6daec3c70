"""A question about a defined term alone is answered by the sentence that defines it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.search.answer import _DEFINES
from bot.serving.snapshot import Snapshot, build_snapshot
from tests.conftest import attach_vectors

LICENCES = Path(__file__).resolve().parents[2] / "bench" / "data" / "heldout2" / "kb"


@pytest.fixture(scope="module")
def licences(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    snapshot = build_snapshot(LICENCES)  # the article and three licences
    return attach_vectors(snapshot, tmp_path_factory.mktemp("vectors"))


@pytest.mark.parametrize(
    ("sentence", "term"),
    [
        ('1.1. "Contributor" means each individual or legal entity.', "Contributor"),
        ('"Legal Entity" shall mean the union of the acting entity.', "Legal Entity"),
        ("To “modify” a work means to copy from or adapt all or part of the work.", "modify"),
        ("“This License” refers to version 3 of the GNU General Public License.", "This License"),
        ('"Patent Claims" of a Contributor means any patent claim.', "Patent Claims"),
    ],
)
def test_legal_definitions_are_read_with_their_term(sentence, term):
    found = _DEFINES.match(sentence, 0, len(sentence))
    assert found is not None and found.group(1) == term


def test_sentences_that_only_use_a_quoted_term_are_not_definitions():
    for sentence in (
        "Each Contributor represents that its Contributions are its original creation.",
        'You must include a readable copy of the attribution notices contained within such "NOTICE" file.',
        'A "covered work" may be conveyed, and this sentence explains nothing about what it means.',
    ):
        assert _DEFINES.match(sentence, 0, len(sentence)) is None, sentence


@pytest.fixture(scope="module")
def licences_small(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """The same, with all-MiniLM-L6-v2's vectors: the model that needs the rule most."""
    return attach_vectors(build_snapshot(LICENCES), tmp_path_factory.mktemp("vectors"), model="minilm")


@pytest.mark.parametrize("kb", ["licences", "licences_small"])
def test_who_is_a_contributor_gets_the_definition(kb, request):
    # Asked with the licence's whole title, the title's words already pick its definitions
    # section (tests/search/test_spelled_titles.py); by its short name, only the rule does.
    snapshot = request.getfixturevalue(kb)
    question = "mpl: who is a contributor"
    answer = snapshot.ask(question)
    assert answer.results[0].quote.text.startswith('"Contributor" means each individual or legal entity')
    plain = replace(snapshot, blend=replace(snapshot.blend, definition=0.0)).ask(question)
    # The decline reads the evidence alone: the rule moves the ranking, not the answer/decline line.
    assert answer.status is plain.status
    if kb == "licences_small":
        # Without the rule, a clause that only uses the word reads closer by meaning to MiniLM
        # (all-mpnet-base-v2 puts the definition first even without it).
        assert not plain.results[0].quote.text.startswith('"Contributor" means')


def test_a_question_asking_more_than_the_term_is_not_sent_to_its_definition(licences):
    answer = licences.ask("mpl: what does each contributor represent about its contributions being original")
    assert "original creation" in answer.results[0].quote.text
    assert not answer.results[0].quote.text.startswith('"Contributor" means')


def test_the_definition_quote_is_an_exact_slice(licences):
    first = licences.ask("what is a 'larger work' under the mpl").results[0]
    assert first.quote.text.startswith('"Larger Work" means')
    assert first.passage.source[first.quote.start : first.quote.end] == first.quote.text


def test_a_question_naming_the_licence_is_not_sent_to_the_definition_of_license(licences):
    # "license" here is the title's word: the question names the document, it does not ask
    # what "This License" or "License" means.
    for question in (
        "Who counts as You under the Apache License?",
        "What kind of license is the GNU General Public License?",
    ):
        quote = licences.ask(question).results[0].quote.text
        assert not quote.startswith(('"License" shall mean', "“This License” refers to")), question
