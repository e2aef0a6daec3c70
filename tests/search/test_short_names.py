"""A document's short name selects it as people type it: bare, glued to a version, or never in its text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.search.naming import Names, document_names, unglued
from bot.search.query import read_question
from bot.search.tokenizer import Analyzer
from bot.serving.snapshot import Snapshot, build_snapshot
from tests.conftest import answer_lexically, front_matter, make_kb

# Like GPL-2 beside LGPL-2.1: the first text never calls itself "WPL", the second quotes the
# name ("the Lesser WPL") and never uses its own short name "lwpl".
WPL = front_matter(title="Widget Public Licence, version 2", author="Widget Foundation") + (
    "Widget Public Licence, version 2.\n\n"
    "You may sell copies of the Program and charge a fee for each copy you transfer.\n\n"
    "The Program is provided without warranty of any kind.\n"
)
LWPL = front_matter(title="Widget Lesser Public Licence, version 1", author="Widget Foundation") + (
    "This is the Lesser WPL, for libraries that programs link against.\n\n"
    "You may sell copies of the Library and charge a fee for each copy you transfer.\n\n"
    "A program that links against the Library is not itself a work based on the Library.\n"
)
HARBOUR = front_matter(title="What the harbour plan means") + (
    "The harbour plan doubles the number of ferry berths by 2030.\n\n"
    "Critics say the harbour will lose its fishing fleet.\n"
)


@pytest.fixture(scope="module")
def licences(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    folder = make_kb(tmp_path_factory.mktemp("kb"), {"wpl-2.md": WPL, "lwpl-1.md": LWPL, "harbour.md": HARBOUR})
    return build_snapshot(Path(folder))


def first_document(snapshot: Snapshot, question: str) -> str:
    answer = answer_lexically(snapshot, question)
    assert answer.answered, question
    return answer.results[0].document.doc_id


def test_an_id_word_its_own_text_never_uses_still_names_it(licences):
    names = document_names(licences.index, licences.analyzer)
    by_word = {licences.index.terms[t]: licences.index.documents[p].doc_id for t, p in names.terms.items()}
    # Only LWPL's text says "WPL"; by its passages alone the word would be LWPL's.
    assert by_word["wpl"] == "wpl-2"
    # "lwpl" is in no text at all: it names LWPL without being an index term.
    assert "lwpl" not in licences.index.vocab
    assert licences.index.documents[names.unheld["lwpl"]].doc_id == "lwpl-1"


def test_a_short_name_no_text_holds_picks_its_document_and_is_not_respelled(licences):
    question = "lwpl: can i sell copies of it"
    index, analyzer = licences.index, licences.analyzer
    # Read as words, "lwpl" is a typo of "wpl", which names the other licence.
    query = read_question(question, index, analyzer, licences.speller)
    names = document_names(index, analyzer)
    assert [index.documents[p].doc_id for p in names.named(query.term_ids).values()] == ["wpl-2"]
    assert first_document(licences, question) == "lwpl-1"


def test_a_version_glued_to_a_name_still_names_the_document(licences):
    for question in ("wplv2 can i sell copies", "WPL2: may i sell copies?"):
        assert first_document(licences, question) == "wpl-2", question


def test_ungluing_splits_only_names_from_their_versions():
    analyzer = Analyzer()
    known = Names({}, frozenset({"gpl", "mpl"}))
    assert unglued("is gplv3 ok with GPL2 code", analyzer, known) == "is gpl v3 ok with GPL 2 code"
    assert unglued("mpl2.0 files", analyzer, known) == "mpl 2.0 files"
    # Not a name: left alone, as is a name already apart from its version.
    assert unglued("mp3 files and h264", analyzer, known) == "mp3 files and h264"
    assert unglued("gpl-3 or gpl v2", analyzer, known) == "gpl-3 or gpl v2"
    assert unglued("gplv3", analyzer, Names({})) == "gplv3"


def test_the_decline_does_not_see_the_name(licences):
    # The name alone is no evidence: an off-topic question naming a licence is still declined.
    answer = answer_lexically(licences, "lwpl: best pizza topping?")
    assert not answer.answered
    assert np.isfinite(answer.coverage)
