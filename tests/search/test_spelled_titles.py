"""A title spelled out names its document, even when each of its words is in another title too."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.search.naming import document_names
from bot.serving.snapshot import Snapshot, build_snapshot
from tests.conftest import answer_lexically, document_position, front_matter, make_kb

# Like GPL-1 beside the Library GPL: every word of the first title is in the second.
GGL = front_matter(title="Gizmo General Licence, version 1", author="Gizmo Foundation") + (
    "GIZMO GENERAL LICENCE Version 1, February 1991\n\n"
    "You may sell copies of the Program and charge a fee for the transfer.\n"
)
LGGL = front_matter(title="Gizmo Library General Licence, version 2", author="Gizmo Foundation") + (
    "GIZMO LIBRARY GENERAL LICENCE Version 2, June 1991\n\n"
    "You may sell copies of the Library only with the written permission of the author.\n"
)
HARBOUR = front_matter(title="What the harbour plan means") + "The harbour plan doubles the ferry berths by 2030.\n"


@pytest.fixture(scope="module")
def licences(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    files = {"ggl-1.md": GGL, "lggl-2.md": LGGL, "harbour.md": HARBOUR}
    return build_snapshot(Path(make_kb(tmp_path_factory.mktemp("kb"), files)))


def spelled_out(snapshot: Snapshot, question: str) -> dict[str, int]:
    names = document_names(snapshot.index, snapshot.analyzer)
    return names.spelled_out(list(snapshot.analyzer.words(question)))


def test_the_whole_title_names_the_one_it_spells(licences):
    ggl, lggl = document_position(licences, "ggl-1"), document_position(licences, "lggl-2")
    spelled = spelled_out(licences, "may I sell copies under the Gizmo General Licence?")
    assert set(spelled.values()) == {ggl} and len(spelled) == 3
    spelled = spelled_out(licences, "may I sell copies under the Gizmo Library General Licence?")
    assert set(spelled.values()) == {lggl}
    # Part of a title names nothing: "general licence" is in both.
    assert spelled_out(licences, "may I sell copies under a general licence?") == {}


def test_the_spelled_out_title_answers_from_its_document(licences):
    # Read for its words alone, the question is the Library licence's clause ("permission").
    for question in (
        "gizmo general licence: do i need the author's permission to sell copies",
        "gizmo general licence: may i sell copies without the author's permission",
    ):
        answer = answer_lexically(licences, question)
        first = answer.results[0]
        assert first.document.doc_id == "ggl-1", question
        assert first.quote.text == "You may sell copies of the Program and charge a fee for the transfer.", question


def test_a_title_several_documents_share_names_none_of_them(tmp_path):
    files = {
        f"notes-{n}.md": front_matter(title=f"Harbour notes {n}") + f"The harbour plan adds {n} berths.\n"
        for n in (1, 2)
    }
    snapshot = build_snapshot(make_kb(tmp_path, {**files, "ggl-1.md": GGL}))
    # "Harbour notes" is each notes file's title less its numeral: it says which kind, not which one.
    assert spelled_out(snapshot, "how many berths do the harbour notes add") == {}
    assert set(spelled_out(snapshot, "gizmo general licence: can i sell copies").values()) == {
        document_position(snapshot, "ggl-1")
    }


def test_a_title_spelt_the_other_way_or_by_its_ending_names_it(tmp_path):
    # "ODC Open Database Licence" and "Open Software Licence": every word but "database" and
    # "software" is in both titles, and neither of those names its document alone (both
    # are all over the other text too).
    odbl = front_matter(title="ODC Open Database Licence, version 1.0", author="Open Data Commons") + (
        "You may charge a fee for a copy of the Database.\n\nThe software that reads the Database is yours.\n"
    )
    osl = front_matter(title="Open Software Licence, version 3.0", author="Rosen") + (
        "You may charge a fee for a copy of the Original Work.\n\nA database of the Original Work is yours.\n"
    )
    snapshot = build_snapshot(make_kb(tmp_path, {"odbl-1.md": odbl, "osl-3.md": osl, "harbour.md": HARBOUR}))
    odbl_at, osl_at = document_position(snapshot, "odbl-1"), document_position(snapshot, "osl-3")
    assert set(spelled_out(snapshot, "open database licence: may i charge a fee").values()) == {odbl_at}
    names = document_names(snapshot.index, snapshot.analyzer)
    words = list(snapshot.analyzer.words("open software license: may i charge a fee"))
    assert names.spelled_out(words) == {}  # "license" is not the title's "Licence" term
    assert set(names.spelled_out(words, snapshot.analyzer).values()) == {osl_at}
    # Two words of an ending are a kind, not a name: "database licence" could be anyone's.
    assert spelled_out(snapshot, "a database licence: may i charge a fee") == {}
