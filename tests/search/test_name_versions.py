"""A version typed after a document's name is the rest of the name, not a word to search for."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.serving.snapshot import Snapshot, build_snapshot
from tests.conftest import answer_lexically, front_matter, make_kb, version_surfaces

WPL = front_matter(title="Widget Public Licence, version 3", author="Widget Foundation") + (
    '"This Licence" refers to version 3 of the Widget Public Licence.\n\n'
    "You may ship binaries only with the source code beside them.\n\n"
    "Section 5 covers warranty: the Program is provided without one.\n"
)
GPL = front_matter(title="Gadget Public Licence, version 2.0", author="Gadget Foundation") + (
    "You may not sell copies of the Library without the written permission of the author.\n\n"
    "The Library is provided without warranty of any kind.\n"
)


@pytest.fixture(scope="module")
def licences(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    return build_snapshot(Path(make_kb(tmp_path_factory.mktemp("kb"), {"wpl-3.md": WPL, "gdpl-2.0.md": GPL})))


def test_the_named_documents_version_is_dropped_as_typed(licences):
    assert version_surfaces(licences, "wpl 3: what about binaries") == ["wpl", "binaries"]
    assert version_surfaces(licences, "wpl v3 binaries") == ["wpl", "binaries"]  # "gplv3" is read as "gpl v3"
    assert "2.0" not in version_surfaces(licences, "gadget public licence version 2.0 copies")  # after its kind words
    assert "2" not in version_surfaces(licences, "gdpl 2 copies")  # "2" and "2.0" are one version


def test_other_numerals_stay_words(licences):
    assert "2" in version_surfaces(licences, "wpl 2: what about binaries")  # a version the named licence lacks
    assert "5" in version_surfaces(licences, "wpl 3 section 5 warranty")  # not after a name
    assert "3" in version_surfaces(licences, "what does version 3 say about binaries")  # no name before it


def test_the_version_no_longer_picks_the_sentences_that_say_it(licences):
    for question in ("wpl 3: what about the source", "wpl 3: can i ship it"):
        # Read as a word, "3" is rarer than any other the question holds: the clause saying
        # "version 3" came first.
        answer = answer_lexically(licences, question)
        assert answer.results[0].quote.text == "You may ship binaries only with the source code beside them.", question


@pytest.mark.parametrize(
    ("question", "absent"),
    [
        ("wpl 2: can i ship binaries without the source", "wpl 2"),
        ("does the widget public licence version 4 let me ship binaries", "widget public licence version 4"),
        ("gdpl 3.0 - may i sell copies", "gdpl 3.0"),
    ],
)
def test_another_version_of_a_held_document_is_declined_as_one_we_lack(licences, question, absent):
    # Answered, it would quote version 3's terms as if they were version 2's.
    answer = answer_lexically(licences, question)
    assert not answer.answered and answer.absent == absent, question


@pytest.mark.parametrize(
    "question",
    [
        "wpl 3: can i ship binaries without the source",  # the version held
        "wpl: can i ship binaries without the source",  # no version
        "gdpl 2: may i sell copies",  # "2" is "2.0"
        "wpl: is code i got under wpl 2 covered when i ship binaries",  # named first, another version as a topic
        "wpl 3 section 5: what about warranty",  # a numeral after another word
    ],
)
def test_the_held_version_no_version_or_a_version_as_topic_is_answered(licences, question):
    answer = answer_lexically(licences, question)
    assert answer.answered and not answer.absent, question


def test_a_question_asked_of_one_document_is_not_declined_for_its_version(licences):
    answer = answer_lexically(licences, "wpl 2: can i ship binaries without the source", doc_id="wpl-3")
    assert answer.answered


@pytest.mark.parametrize(
    "question",
    [
        "In GDPL-2.0, may I sell copies of the Library?",  # the id as typed: read as "gdpl-2" and "0"
        "under gdpl-2.0 is there any warranty",
        "WPL-3.0: can i ship binaries without the source",
    ],
)
def test_a_held_version_typed_as_its_id_is_answered(licences, question):
    answer = answer_lexically(licences, question)
    assert answer.answered and not answer.absent, question


def test_another_version_typed_as_an_id_is_still_declined(licences):
    answer = answer_lexically(licences, "In GDPL-3.0, may I sell copies of the Library?")
    assert not answer.answered and answer.absent == "GDPL-3.0"
