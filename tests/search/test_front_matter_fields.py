"""A question naming a document is near its front matter's title: a field answers only with words of its own."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.serving.snapshot import Snapshot, build_snapshot
from tests.conftest import ROOT, attach_vectors, front_matter, make_kb

# Its title spelt "License", its section field "Licence text", asked about as a "licence".
HARBOUR = front_matter(
    title="Harbour Public License", author="Harbour Group", published="2011", section="Licence text"
) + (
    "Copyright (c) [year], [fullname]\n\n"
    "Permission to use, copy, modify, and distribute this software for any purpose, without fee, "
    "is hereby granted, provided that the above copyright notice appears in all copies.\n\n"
    "THE SOFTWARE IS PROVIDED AS IS, AND THE AUTHORS HAVE NO OBLIGATIONS TO PROVIDE MAINTENANCE, "
    "SUPPORT, UPDATES, ENHANCEMENTS, OR MODIFICATIONS.\n\n"
    "Any dispute under this licence is settled by the courts of the place where the Harbour Group has its seat.\n"
)
TIDE = front_matter(title="Tide Licence, version 2", author="Tide Foundation", section="Licence text") + (
    "1. Definitions.\n\n"
    "A Contributor is anyone who sends a change to the Tide project.\n\n"
    "2. Grant.\n\n"
    "Each Contributor grants you a licence to use, copy and share its changes at no charge.\n"
)
ARTICLE = (ROOT / "knowledge" / "eu-japan-defence-partnership.md").read_text("utf-8")
# Asked of a named licence, each about its body, with words its front matter holds only as its name.
BODY_QUESTIONS = (
    ("harbour public licence: who is the copyright holder?", "Copyright (c) [year], [fullname]"),
    ("harbour public licence - where are disputes settled?", "courts of the place"),
    ("tide licence v2, who counts as a contributor?", "anyone who sends a change"),
)
# Asked for a field of a named licence's front matter: by its field word, or by meaning alone.
FIELD_QUESTIONS = (
    ("who wrote the harbour public licence?", "Harbour Group"),
    ("who drafted the tide licence, version 2?", "Tide Foundation"),
    ("what's the title of the tide licence v2", "Tide Licence, version 2"),
)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    folder = make_kb(tmp_path_factory.mktemp("kb"), {"harbour.md": HARBOUR, "tide.md": TIDE, "eu-japan.md": ARTICLE})
    lexical = build_snapshot(Path(folder))
    return attach_vectors(lexical, tmp_path_factory.mktemp("vectors"))


def first(snapshot: Snapshot, question: str) -> tuple[bool, str]:
    found = snapshot.ask(question)
    assert found.answered, question
    return found.results[0].passage.is_about, found.results[0].quote.text


def without_the_rule(snapshot: Snapshot) -> Snapshot:
    return dataclasses.replace(snapshot, blend=dataclasses.replace(snapshot.blend, about_words=False))


@pytest.mark.parametrize(("question", "answer"), BODY_QUESTIONS)
def test_a_body_question_naming_the_document_is_answered_by_the_body(snapshot, question, answer):
    about, quote = first(snapshot, question)
    assert not about and answer in quote, (question, quote)


@pytest.mark.parametrize(("question", "answer"), FIELD_QUESTIONS)
def test_a_question_for_a_field_still_gets_the_field(snapshot, question, answer):
    about, quote = first(snapshot, question)
    assert about and quote == answer, (question, quote)


def test_without_the_rule_the_name_fields_answer(snapshot):
    """The counterfactual: "Licence text" is nearest when nothing stops it, for body and field questions alike."""
    without = without_the_rule(snapshot)
    for question in ("harbour public licence: who is the copyright holder?", "who wrote the harbour public licence?"):
        assert first(without, question) == (True, "Licence text"), question
