"""A question about a document of the knowledge base's kind that it doesn't hold is declined, saying so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.adapter.render import render_answer
from bot.cli import answer_json
from bot.search.answer import Status
from bot.serving.snapshot import Snapshot, build_snapshot
from tests.conftest import answer_lexically, front_matter, make_kb

WPL = front_matter(title="Widget Public Licence, version 2", author="Widget Foundation") + (
    "You may sell copies of the Program and charge a fee for each copy you transfer.\n\n"
    "You must keep intact all notices stating that this Licence applies to the code.\n"
)
GPL = front_matter(title="Gadget Public Licence, version 1", author="Gadget Foundation") + (
    "You may not sell copies of the Library without the written permission of the author.\n\n"
    "The Library is provided without warranty of any kind.\n"
)
HARBOUR = front_matter(title="What the harbour plan means") + (
    "The harbour plan doubles the number of ferry berths by 2030.\n\nCritics say the harbour will lose its fleet.\n"
)


@pytest.fixture(scope="module")
def licences(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    folder = make_kb(tmp_path_factory.mktemp("kb"), {"wpl-2.md": WPL, "gdpl-1.md": GPL, "harbour.md": HARBOUR})
    return build_snapshot(Path(folder))


def test_a_licence_the_knowledge_base_lacks_is_declined_by_name(licences):
    for question, name in (
        ("can i sell copies under the zorblax licence", "zorblax licence"),
        ("Does the ZXQ License let me sell copies?", "ZXQ License"),  # the other spelling, as typed
        ("can i sell copies under the isc licence", "isc licence"),  # "isc" is one letter from "is"
        ("can i sell copies under the cc-by licence", "cc-by licence"),  # read as parts, each too short
    ):
        # Read for its words alone, the question is another licence's clause.
        assert answer_lexically(licences, question, decline=False).results[0].quote.text.startswith("You may")
        answer = answer_lexically(licences, question)
        assert answer.status is Status.NOT_FOUND and answer.absent == name, question


def test_names_it_holds_describing_words_and_typos_are_still_answered(licences):
    for question in (
        "can i sell copies under the widget licence",
        "under my own closed licence can i sell copies",  # an English word describes, it doesn't name
        "can i sell copies under the widgte licence",  # a typo of a name it holds
        "wich licence lets me sell copies",  # a typo of a function word, not a name
        "can i sell copies under the wpl-2 licence",  # a name it holds, with its version
        "can i sell copies under a fee-charging licence",  # hyphenated, and "fee" is in the texts
    ):
        answer = answer_lexically(licences, question)
        assert answer.answered and not answer.absent, question


def test_a_name_of_several_words_is_read_back_to_its_first(licences):
    # A held title word ("widget") or a version-like word stands between the name and the kind word.
    for question, name in (
        ("can i sell copies under the zorblax widget licence", "zorblax widget licence"),
        ("can i sell copies under the zorblax 2-widget licence", "zorblax 2-widget licence"),
    ):
        answer = answer_lexically(licences, question)
        assert answer.status is Status.NOT_FOUND and answer.absent == name, question
    for question in (
        "can i sell copies under a widely used public licence",  # an English word stops the look-back
        "can i sell copies under the widget public licence",  # every word of it is held
    ):
        answer = answer_lexically(licences, question)
        assert answer.answered and not answer.absent, question


def test_an_english_word_names_a_missing_document_only_where_it_shows_it_does(licences):
    # "zephyr" is an English word no text holds: it names where it stands before the titles'
    # shared words ("public licence") or is capitalised inside the question.
    for question, name in (
        ("can i sell copies under the zephyr public licence", "zephyr public licence"),
        ("Can I sell copies under the Zephyr Licence?", "Zephyr Licence"),
        ("zephyr public licence: can i sell copies", "zephyr public licence"),  # opening the question
    ):
        assert answer_lexically(licences, question, decline=False).results[0].quote.text.startswith("You may")
        answer = answer_lexically(licences, question)
        assert answer.status is Status.NOT_FOUND and answer.absent == name, question
    for question in (
        "can i sell copies under the stricter licence",  # lower-case, straight before the kind word
        "can i sell copies under a zephyr public licence",  # "a": a description, not a name
        "can i sell copies under the zephyr widget licence",  # "widget" names a licence we hold
        "can i sell copies of the zephyr version",  # titles put "version" after a comma, never a name
    ):
        answer = answer_lexically(licences, question)
        assert answer.answered and not answer.absent, question


def test_a_single_document_has_no_kind_to_lack(tmp_path):
    snapshot = build_snapshot(make_kb(tmp_path, {"harbour.md": HARBOUR}))
    assert not answer_lexically(snapshot, "how many ferry berths does the zorblax plan add").absent


def test_the_reply_names_the_missing_document_and_says_what_it_has(licences):
    answer = answer_lexically(licences, "does the **zorblax** licence let me sell copies?")
    assert answer.absent == "zorblax licence"  # as typed, less the Markdown the question lost
    reply = render_answer(answer, licences.documents)
    description = reply.embeds[0]["description"]
    assert "no document called “zorblax licence”" in description
    assert "Widget Public Licence" in description  # and what it can quote from
    assert json.loads(json.dumps(answer_json(answer)))["absent"] == "zorblax licence"
