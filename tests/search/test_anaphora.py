"""A quoted sentence that leans on the one before it ("These were approved…") brings it along."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.serving.snapshot import build_snapshot
from tests.conftest import attach_vectors, front_matter, make_kb

HARBOUR = front_matter(title="Harbour plan") + (
    "Cleaner water, cheaper ferries and more berths were the three aims the council listed after a "
    "survey of the whole town and its surrounding villages. These were approved by the mayor in March 2024.\n\n"
    "Ferries run every hour.\n"
)


def test_a_sentence_opening_on_these_is_quoted_with_what_these_are(tmp_path):
    snapshot = attach_vectors(build_snapshot(Path(make_kb(tmp_path / "kb", {"h.md": HARBOUR}))), tmp_path / "vectors")
    question = "what did the mayor approve in march 2024"
    alone = replace(snapshot, blend=replace(snapshot.blend, anaphora=False)).ask(question, decline=False)
    assert alone.results[0].quote.text == "These were approved by the mayor in March 2024."
    answer = snapshot.ask(question)
    assert answer.answered
    quote = answer.results[0].quote.text
    assert quote.startswith("Cleaner water, cheaper ferries") and quote.endswith("in March 2024.")
    assert quote in (tmp_path / "kb" / "h.md").read_text("utf-8")
