"""A document is also named by its title's initials and by the proper names of its byline."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.search.answer import Status
from bot.search.naming import document_names
from bot.serving.snapshot import Snapshot, build_snapshot
from tests.conftest import answer_lexically, document_position, front_matter, make_kb

# Like the GNU FDL beside the LGPL: "WML" is the initials of the title after its first word,
# no text says it, and its id is "gwml".
GWML = front_matter(
    title="Gizmo Widget Manual Licence, version 1.2", author="Free Gizmo Foundation", publisher="Free Gizmo Foundation"
) + (
    "GIZMO WIDGET MANUAL LICENCE Version 1.2\n\n"
    "You may sell printed copies of the Manual if each copy names its authors.\n"
)
GPL = front_matter(
    title="Gizmo Public Licence, version 2", author="Free Gizmo Foundation", publisher="Free Gizmo Foundation"
) + ("GIZMO PUBLIC LICENCE Version 2\n\nYou may sell copies of the Program and charge a fee for the transfer.\n")
HARBOUR = front_matter(title="What the harbour plan means", author="Ann Quillfeather", publisher="Harbourwatch") + (
    "The plan doubles the ferry berths by 2030.\n"
)
QUAY = front_matter(title="The harbour plan, explained", author="Bo Lindqvist", publisher="Quaynews") + (
    "The plan doubles the ferry berths by 2030.\n"
)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    files = {"gwml-1.2.md": GWML, "gpl-2.md": GPL, "harbour.md": HARBOUR, "quay.md": QUAY}
    return build_snapshot(Path(make_kb(tmp_path_factory.mktemp("kb"), files)))


def test_a_title_case_title_is_named_by_its_initials(kb):
    names = document_names(kb.index, kb.analyzer)
    assert names.owners["wml"] == document_position(kb, "gwml-1.2")
    assert names.owners["gpl"] == document_position(kb, "gpl-2")
    # A headline in sentence case has no initials ("wthpm" names nothing).
    assert not any(len(w) == 5 and w.startswith("wt") for w in names.words)


@pytest.mark.parametrize(
    "question",
    [
        "wml version 1.2: may i sell printed copies of the manual",
        "the gizmo WML v1.2, can i sell printed copies",
        "wml1.2: can i sell printed copies",
    ],
)
def test_the_initials_answer_from_their_document_rather_than_naming_one_we_lack(kb, question):
    # Read as an unknown word before the titles' shared "version", "wml" named a missing document.
    answer = answer_lexically(kb, question)
    assert answer.status is Status.ANSWERED and not answer.absent, question
    assert answer.results[0].document.doc_id == "gwml-1.2", question
    assert answer.results[0].quote.text.startswith("You may sell printed copies of the Manual")


def test_a_proper_name_of_the_byline_names_its_document_and_an_english_word_does_not(kb):
    names = document_names(kb.index, kb.analyzer)
    assert names.owners["harbourwatch"] == document_position(kb, "harbour")
    assert names.owners["quaynew"] == document_position(kb, "quay")
    # "Free Gizmo Foundation" is two documents' byline, and "free" is an English word.
    for term in ("free", "foundat"):
        assert term not in names.owners


def test_the_publisher_named_in_the_question_picks_its_document_not_its_front_matter(kb):
    for publisher, doc_id in (("harbourwatch", "harbour"), ("quaynews", "quay")):
        answer = answer_lexically(kb, f"according to the {publisher} piece, how many ferry berths does the plan double")
        first = answer.results[0]
        assert first.document.doc_id == doc_id and not first.passage.is_about, publisher
        assert first.quote.text == "The plan doubles the ferry berths by 2030."
