"""Extractive summaries: exact sentences, in order, no repeats, no furniture, topics decline."""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from bot.serving.snapshot import build_snapshot
from bot.summaries.summary import MAX_SENTENCES, SummaryStatus
from tests.conftest import DATA, ROOT, front_matter, make_kb

sys.path.insert(0, str(ROOT / "bench"))

from eval_summary import coverage, knowledge_folder, table


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    folder = knowledge_folder()
    try:
        yield build_snapshot(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_sentences_are_exact_ordered_and_distinct(three):
    for document in three.documents:
        for n in range(1, MAX_SENTENCES + 1):
            summary = three.summarize(document, sentences=n)
            assert summary.status is SummaryStatus.OK
            assert len(summary.sentences) == n
            starts = [s.start for s in summary.sentences]
            assert starts == sorted(starts)
            assert len({s.text for s in summary.sentences}) == n
            for sentence in summary.sentences:
                assert document.body[sentence.start : sentence.end] == sentence.text
                assert sentence.paragraph >= 1


def test_sentence_count_is_clamped(three):
    document = three.documents[0]
    assert len(three.summarize(document, sentences=0).sentences) == 1
    assert len(three.summarize(document, sentences=99).sentences) == MAX_SENTENCES


def test_no_headings_captions_disclaimers_or_fragments(shipped):
    document = shipped.documents[0]
    summary = shipped.summarize(document, sentences=MAX_SENTENCES)
    for sentence in summary.sentences:
        assert not sentence.text.startswith("#")
        assert "Ukraine U-turn" not in sentence.text
        assert "(Photo:" not in sentence.text
        assert "views expressed" not in sentence.text
        assert len(sentence.text.split()) >= 6


def test_a_repeated_pull_quote_comes_out_once(tmp_path):
    pull = "In an unprecedented move for postwar Japan, Kishida approved the provision of lethal weapons to victims of aggression."
    body = (ROOT / "knowledge" / "eu-japan-defence-partnership.md").read_text("utf-8")
    body = body.replace(
        "\n\nBut Russia’s war against Ukraine alone", f"\n\n{pull}\n\nBut Russia’s war against Ukraine alone"
    )
    snapshot = build_snapshot(make_kb(tmp_path / "kb", {"a.md": body}))
    for n in range(1, MAX_SENTENCES + 1):
        texts = [s.text for s in snapshot.summarize(snapshot.documents[0], sentences=n).sentences]
        assert texts.count(pull) <= 1


def test_cut_off_sentences_are_skipped(tmp_path):
    body = (
        "\nThe council approved the new library budget for next year after a long debate.\n\n"
        "The mayor said that the decision would\n\n"
        "Residents will be able to borrow books at three new branches across the city.\n"
    )
    snapshot = build_snapshot(make_kb(tmp_path / "kb", {"a.md": front_matter() + body}))
    texts = [s.text for s in snapshot.summarize(snapshot.documents[0], sentences=5).sentences]
    assert "The mayor said that the decision would" not in texts
    assert len(texts) == 2


def test_topic_summaries_focus_and_decline(shipped):
    document = shipped.documents[0]
    focused = shipped.summarize(document, sentences=3, topic="India")
    assert focused.status is SummaryStatus.OK
    assert all("India" in s.text for s in focused.sentences)
    for topic in ("ramen recipes", "the FIFA World Cup"):
        assert shipped.summarize(document, topic=topic).status is SummaryStatus.NOT_FOUND
    assert shipped.summarize(document, topic="?!").status is SummaryStatus.EMPTY_TOPIC


def test_summaries_beat_lead_n_on_the_key_points(three):
    keypoints = json.loads((DATA / "summaries" / "keypoints.json").read_text("utf-8"))
    results = table(three, keypoints)
    for (doc_id, n), (ours, lead, _) in results.items():
        assert ours >= lead, (doc_id, n)
    for n in (5, 8):
        ours, lead, _ = results[("eu-japan-defence-partnership", n)]
        assert ours > lead


def test_coverage_counts_any_phrase_of_a_point():
    assert coverage(["The cat sat."], [["dog", "cat sat"], ["bird"]]) == 0.5
