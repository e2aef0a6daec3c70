"""A licence id typed with its hyphen ("GPL-3", "EUPL-1.2") names its document as "gpl 3" does.

The tokenizer reads "GPL-3" as one word with the parts "gpl" and "3", and "EUPL-1.2" as
"eupl-1" and "2": the version sat inside the name word, so it stayed a search word (the
rarest of the question) and the name was never taken out of the question's meaning.
Separately, "Licence" in one title and "License" in others is one kind word in two
spellings: it names none of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.search.naming import document_names, name_words
from bot.serving.snapshot import Snapshot, build_snapshot
from tests.conftest import answer_lexically, front_matter, make_kb, version_surfaces

WPL = front_matter(title="Widget Public Licence, version 3", author="Widget Foundation") + (
    '"This Licence" refers to version 3 of the Widget Public Licence.\n\n'
    "You may ship binaries only with the source code beside them.\n\n"
    "Section 5 covers warranty: the Program is provided without one.\n"
)
GDPL = front_matter(title="Gadget Public License, version 1.2", author="Gadget Foundation") + (
    "You may not sell copies of the Library without the written permission of the author.\n\n"
    "The Library is provided without warranty of any kind.\n"
)
SPL = front_matter(title="Sprocket Public License", author="Sprocket Group") + (
    "Each contributor grants you a licence to its patents.\n\n"
    "The licence ends if you sue a contributor over a patent.\n"
)


@pytest.fixture(scope="module")
def licences(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    kb = make_kb(tmp_path_factory.mktemp("kb"), {"wpl-3.md": WPL, "gdpl-1.2.md": GDPL, "spl.md": SPL})
    return build_snapshot(Path(kb))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("WPL-3: what about binaries", ["wpl", "binaries"]),
        ("WPL-3.0: what about binaries", ["wpl", "binaries"]),
        ("GDPL-1.2 sell copies", ["gdpl", "sell", "copies"]),
    ],
)
def test_the_version_inside_an_id_is_dropped(licences, question, expected):
    assert version_surfaces(licences, question) == expected


def test_a_version_the_document_lacks_stays_a_word_and_is_declined(licences):
    assert "2" in version_surfaces(licences, "WPL-2 binaries")
    answer = answer_lexically(licences, "WPL-2: can i ship binaries without the source")
    assert not answer.answered and answer.absent == "WPL-2"


def test_an_id_with_its_version_is_a_name_word_as_typed(licences):
    names = document_names(licences.index, licences.analyzer)
    assert name_words("Under WPL-3, can I ship binaries?", licences.analyzer, names) == "wpl-3"
    assert name_words("GDPL-1.2: may I sell copies?", licences.analyzer, names) == "gdpl-1.2"


def test_a_kind_word_in_two_spellings_names_no_document(licences):
    names = document_names(licences.index, licences.analyzer)
    assert {"licenc", "licens"} <= names.kinds
    assert "licenc" not in names.words
    # Asked in British spelling about the Sprocket License, "licence" is no name of Widget's.
    assert name_words("does the sprocket licence cover patents", licences.analyzer, names) == "sprocket"
