"""A body line that only repeats its document's title names the document, not the clause after it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.search.answer import _followers
from bot.serving.snapshot import Snapshot, build_snapshot
from tests.conftest import ROOT, attach_vectors, front_matter, make_kb

HARBOUR = front_matter(title="Harbour Licence", author="Harbour Group") + (
    "Harbour Licence\n\n"
    "Copyright (c) [year], [fullname]\n\n"
    "Permission to use, copy, modify, and distribute this software for any purpose, without fee, "
    "is hereby granted, provided that the above copyright notice appears in all copies.\n\n"
    "THE SOFTWARE IS PROVIDED AS IS, AND THE AUTHORS HAVE NO OBLIGATIONS TO PROVIDE MAINTENANCE, "
    "SUPPORT, UPDATES, ENHANCEMENTS, OR MODIFICATIONS.\n"
)
# Another licence whose first line is its title in capitals, and whose next line is a heading.
TIDE = front_matter(title="Tide Licence, version 2") + (
    "TIDE LICENCE VERSION 2\n\n"
    "1. Definitions.\n\n"
    "A Contributor is anyone who sends a change to the Tide project.\n\n"
    "Tide Licence\n\n"
    "This line is a heading that only shares the title's first words, so it stays a label.\n"
)
ARTICLE = (ROOT / "knowledge" / "eu-japan-defence-partnership.md").read_text("utf-8")


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    folder = make_kb(tmp_path_factory.mktemp("kb"), {"harbour.md": HARBOUR, "tide.md": TIDE, "eu-japan.md": ARTICLE})
    return build_snapshot(Path(folder))


def ordinal(snapshot: Snapshot, start: str) -> int:
    """The body passage that starts so (the front matter, which holds the title too, is skipped)."""
    return next(o for o, p in enumerate(snapshot.index.passages) if not p.is_about and p.text.startswith(start))


def test_only_lines_repeating_the_title_are_title_lines(snapshot):
    index = snapshot.index
    marked = {index.passages[o].text for o in np.flatnonzero(index.title_lines)}
    assert marked == {"Harbour Licence", "TIDE LICENCE VERSION 2"}  # case and punctuation aside
    assert index.labels[ordinal(snapshot, "Tide Licence")]  # a label, but not the whole title
    assert index.labels[ordinal(snapshot, "1. Definitions.")]


def test_a_title_line_lends_its_score_to_nothing(snapshot):
    index = snapshot.index
    title, heading = ordinal(snapshot, "Harbour Licence"), ordinal(snapshot, "1. Definitions.")
    followers = _followers(index, [title, heading, ordinal(snapshot, "TIDE LICENCE")])
    assert followers == {heading: heading + 1}


def test_the_clause_answers_a_question_naming_the_licence_not_the_lines_under_its_title(snapshot, tmp_path):
    semantic = attach_vectors(snapshot, tmp_path / "vectors")
    passages = snapshot.index.passages
    title, copyright_line = ordinal(snapshot, "Harbour Licence"), ordinal(snapshot, "Copyright (c)")
    never = {(passages[o].doc_id, passages[o].paragraph) for o in (title, copyright_line)}
    for engine in (semantic, snapshot):  # by meaning and by words alone
        for question, answer in (
            ("harbour licence - do i have to pay a fee to use it for any purpose?", "without fee"),
            ("harbour licence: must the authors provide support and updates?", "NO OBLIGATIONS"),
        ):
            found = engine.ask(question)
            assert found.answered, question
            quotes = [r.quote.text for r in found.results]
            assert answer in quotes[0], (question, quotes)
            assert not never & {(r.passage.doc_id, r.passage.paragraph) for r in found.results}, (question, quotes)
