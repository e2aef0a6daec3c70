"""A title of a document we lack, spelt in words the texts hold, is declined as one we lack."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.search.answer import Status
from bot.serving.snapshot import Snapshot, build_snapshot
from tests.conftest import answer_lexically, front_matter, make_kb

# Every word of "free art", "sustainable use" and "community" is in these texts; none of
# those runs is, and "free software licence" is.
WPL = front_matter(title="Widget Public Licence, version 2", author="Widget Foundation") + (
    "You may sell copies of the Program and charge a fair fee for each copy you transfer.\n\n"
    "You must keep intact all notices stating that this Licence applies to the code.\n\n"
    "The Program is free software: its art is shared with the community for sustainable use.\n"
)
GPL = front_matter(title="Gadget Public Licence, version 1", author="Gadget Foundation") + (
    "You may not sell copies of the Library without the written permission of the author.\n\n"
    "A manual for the Library may be released under a free software licence.\n"
)
HARBOUR = front_matter(title="What the harbour plan means") + (
    "The harbour plan doubles the number of ferry berths by 2030.\n\nCritics say the harbour will lose its fleet.\n"
)


@pytest.fixture(scope="module")
def licences(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    folder = make_kb(tmp_path_factory.mktemp("kb"), {"wpl-2.md": WPL, "gdpl-1.md": GPL, "harbour.md": HARBOUR})
    return build_snapshot(Path(folder))


def test_a_run_the_texts_never_say_names_a_licence_we_lack(licences):
    for question, name in (
        ("can i sell copies under the free art licence", "free art licence"),
        ("Can I sell copies under the Sustainable Use Licence?", "Sustainable Use Licence"),
        ("does the community fee licence let me sell copies", "community fee licence"),
        ("Can I sell copies under the Fair Licence?", "Fair Licence"),  # one word, capitalised as a title
        ("free art licence: can i sell copies", "free art licence"),  # opening the question
        ("can i sell copies under the unlicence", "unlicence"),  # one word, its kind word inside
        ("can i sell copies under the free art licence, as under the widget one", "free art licence"),  # after it
        ("Can I sell copies under The Unlicence?", "Unlicence"),
    ):
        # Read for its words alone, the question is another licence's clause.
        assert answer_lexically(licences, question, decline=False).answered, question
        answer = answer_lexically(licences, question)
        assert answer.status is Status.NOT_FOUND and answer.absent == name, question


def test_descriptions_runs_the_texts_say_and_held_titles_are_answered(licences):
    for question in (
        "can i sell copies under the fair licence",  # one lower-case word describes
        "can i sell copies under a free art licence",  # "a": a description, not a title
        "can i release a manual under the free software licence",  # the texts say this run
        "can i sell copies under the widget public licence",  # a title we hold
        "can i sell copies under the widegt public licence",  # and misspelt
        "can i sell copies under the wpl-2.0 licence",  # its id, typed with its version
        "widget licence: under the free art licence part, can i sell copies",  # it names a licence we hold
    ):
        answer = answer_lexically(licences, question)
        assert answer.answered and not answer.absent, question


def test_a_single_document_has_no_titles_to_lack(tmp_path):
    snapshot = build_snapshot(make_kb(tmp_path, {"harbour.md": HARBOUR}))
    answer = answer_lexically(snapshot, "how many ferry berths does the big harbour plan add")
    assert answer.answered and not answer.absent


def test_a_misspelt_or_shortened_title_is_the_title(tmp_path):
    # Every word of "Open Software Licence" is in two titles or mostly another text's, so
    # the question names no document; "opne" is one swap from the title's "Open".
    osl = front_matter(title="Open Software Licence 3.0", author="Rosen") + (
        "You may distribute copies of the Original Work provided that the recipient agrees to this Licence.\n"
    )
    ofl = front_matter(title="Open Font Licence 1.1", author="SIL") + (
        "The Font Software may be bundled with any software.\n\n"
        "Software that embeds the Font Software may be sold, provided no copy of it is sold by itself.\n"
    )
    snapshot = build_snapshot(make_kb(tmp_path, {"osl-3.md": osl, "ofl-1.md": ofl, "harbour.md": HARBOUR}))
    for question in (
        "opne software licence: when i distribute copies, must the recipient agree",
        "open soft licence: when i distribute copies, must the recipient agree",  # cut short
    ):
        answer = answer_lexically(snapshot, question)
        assert answer.answered and not answer.absent, question
    answer = answer_lexically(snapshot, "the opal software licence: when i distribute copies, must the recipient agree")
    assert answer.status is Status.NOT_FOUND and answer.absent == "opal software licence"
