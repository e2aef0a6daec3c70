"""A sentence that asks a question answers none: a headline or rhetorical question never leads as the quote."""

from __future__ import annotations

from pathlib import Path

from bot.serving.snapshot import build_snapshot
from tests.conftest import attach_vectors, front_matter, make_kb

FERRIES = front_matter(title="Why are the island ferries always late?", author="Ann Reed") + (
    "Why are the island ferries always late in winter? Nobody at the harbour office would say.\n\n"
    "Storms push sand into the harbour mouth every winter, so the boats wait for high tide before they sail.\n\n"
    "The ferry company was founded in 1921 and runs four boats.\n"
)


def test_the_headline_question_does_not_lead_a_question_it_is_near(shipped_semantic):
    answer = shipped_semantic.ask("Who concluded the security and defence partnership on the EU's side?")
    assert answer.answered
    first = answer.results[0]
    assert not first.passage.is_about
    assert "Borrell" in first.quote.text


def test_asked_for_the_headline_the_title_is_still_quoted(shipped_semantic):
    answer = shipped_semantic.ask("what's the headline of the article?")
    assert answer.results[0].quote.text == shipped_semantic.index.documents[0].meta.title


def test_a_rhetorical_question_is_not_quoted_as_the_answer(tmp_path):
    snapshot = attach_vectors(build_snapshot(Path(make_kb(tmp_path / "kb", {"f.md": FERRIES}))), tmp_path / "vectors")
    answer = snapshot.ask("why are the island ferries late in winter")
    assert answer.answered
    for result in answer.results:
        assert not result.quote.text.rstrip().endswith("?"), result.quote.text
    assert "Storms push sand" in answer.results[0].quote.text
