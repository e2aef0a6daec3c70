"""Extractive summaries: exact sentences, in order, no repeats, the whole document spanned, topics by meaning."""

from __future__ import annotations

import json
import shutil
import statistics
import sys

import numpy as np
import pytest

from bot.serving.snapshot import build_snapshot
from bot.summaries.summary import MAX_SENTENCES, SummaryStatus, rank_sentences, summarize
from tests.conftest import DATA, ROOT, front_matter, make_kb

sys.path.insert(0, str(ROOT / "bench"))

from eval_summary import coverage, knowledge_folder, matches, redundant_pairs

ARTICLE = "eu-japan-defence-partnership"


@pytest.fixture(scope="module")
def dev():
    folder = knowledge_folder()
    try:
        yield build_snapshot(folder, save_cache=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _body_sentences(snapshot, doc_id):
    lo, hi = snapshot.index.doc_ranges[doc_id]
    return [s.of(p.source) for p in snapshot.index.passages[lo:hi] if not p.is_about for s in p.sentences]


def test_sentences_are_exact_ordered_and_distinct(dev):
    for document in dev.documents:
        for n in range(1, MAX_SENTENCES + 1):
            summary = dev.summarize(document, sentences=n)
            assert summary.status is SummaryStatus.OK
            assert len(summary.sentences) == n
            starts = [s.start for s in summary.sentences]
            assert starts == sorted(starts)
            assert len({s.text for s in summary.sentences}) == n
            for sentence in summary.sentences:
                assert document.body[sentence.start : sentence.end] == sentence.text
                assert sentence.paragraph >= 1


def test_a_shorter_summary_is_part_of_a_longer_one(dev):
    for document in dev.documents:
        previous: set[str] = set()
        for n in range(1, MAX_SENTENCES + 1):
            texts = {s.text for s in dev.summarize(document, sentences=n).sentences}
            assert previous <= texts
            previous = texts


def test_sentence_count_is_clamped(dev):
    document = dev.documents[0]
    assert len(dev.summarize(document, sentences=0).sentences) == 1
    assert len(dev.summarize(document, sentences=99).sentences) == MAX_SENTENCES


def test_no_headings_captions_disclaimers_or_fragments(shipped):
    document = shipped.documents[0]
    summary = shipped.summarize(document, sentences=MAX_SENTENCES)
    for sentence in summary.sentences:
        assert not sentence.text.startswith("#")
        assert "Ukraine U-turn" not in sentence.text
        assert "(Photo:" not in sentence.text
        assert "views expressed" not in sentence.text
        assert len(sentence.text.split()) >= 6


def test_the_shipped_article_is_followed_to_its_second_half(shipped):
    document = shipped.documents[0]
    eight = [s.paragraph for s in shipped.summarize(document, sentences=8).sentences]
    assert sum(p >= 11 for p in eight) >= 2, eight
    assert len(set(eight)) >= 7, eight  # not two sentences of the same paragraph, bar one
    three = [s.paragraph for s in shipped.summarize(document, sentences=3).sentences]
    assert three[0] == 1 and three[-1] >= 11, three  # the thesis, and a later part of the argument


def test_summaries_reach_further_than_the_lead_in_every_dev_document(dev):
    for document in dev.documents:
        body = _body_sentences(dev, document.doc_id)
        picks = [s.text for s in dev.summarize(document, sentences=8).sentences]
        last = max(body.index(t) for t in picks)
        assert last >= 0.6 * len(body), (document.doc_id, last, len(body))


def test_no_two_sentences_share_most_of_their_words(dev):
    for document in dev.documents:
        texts = [s.text for s in dev.summarize(document, sentences=MAX_SENTENCES).sentences]
        assert redundant_pairs(texts) == 0, document.doc_id


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


def test_sentences_with_the_same_meaning_in_other_words_come_out_once(shipped):
    """With vectors, two sentences whose vectors agree are duplicates though their words differ."""
    document = shipped.documents[0]
    layout, bundle = shipped.index.layouts[0], shipped.index.bundles[0]
    rows = len(layout.sentence_starts)
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((rows, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    lexical = rank_sentences(document, layout, bundle)
    first, second = (int(np.flatnonzero(layout.sentence_starts == s.start)[-1]) for s in lexical[:2])
    vectors[second] = vectors[first]  # the second pick now "says the same" as the first
    picks = rank_sentences(document, layout, bundle, vectors.astype(np.float16))
    starts = {s.start for s in picks}
    assert lexical[0].start in starts
    assert lexical[1].start not in starts
    assert len(picks) == MAX_SENTENCES


def test_vectors_of_another_version_of_the_document_are_ignored(shipped):
    document = shipped.documents[0]
    layout, bundle = shipped.index.layouts[0], shipped.index.bundles[0]
    stale = np.ones((len(layout.sentence_starts) - 3, 384), dtype=np.float16)
    assert rank_sentences(document, layout, bundle, stale) == rank_sentences(document, layout, bundle)


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


def test_a_topic_reaches_the_paragraph_about_it_by_meaning(shipped_semantic):
    s = shipped_semantic
    document = s.documents[0]

    def topic_summary(topic: str):
        return summarize(
            document, s.index, s.analyzer, s.speller, sentences=3, topic=topic, vectors=s.vectors, encode=s.encode
        )

    alliance = topic_summary("japan us alliance")
    assert alliance.status is SummaryStatus.OK
    assert 14 in [s.paragraph for s in alliance.sentences]  # the alliance with Washington
    spending = topic_summary("how much japan spends on its military")
    assert 11 in [s.paragraph for s in spending.sentences]  # third-largest military spender by 2027
    for topic in ("ramen recipes", "the FIFA World Cup"):
        assert topic_summary(topic).status is SummaryStatus.NOT_FOUND


def test_summaries_cover_more_key_points_than_lead_n(dev):
    keypoints = json.loads((DATA / "summaries" / "keypoints.json").read_text("utf-8"))
    for n in (3, 5, 8):
        ours, lead = [], []
        for doc_id, points in keypoints.items():
            document = dev.document(doc_id)
            assert document is not None
            ours.append(coverage([s.text for s in dev.summarize(document, sentences=n).sentences], points))
            lead.append(coverage(_body_sentences(dev, doc_id)[:n], points))
            if doc_id == ARTICLE and n in (5, 8):
                assert ours[-1] > lead[-1], n
        assert statistics.fmean(ours) > statistics.fmean(lead), n


def test_coverage_counts_any_phrase_of_a_point():
    assert coverage(["The cat sat."], [["dog", "cat sat"], ["bird"]]) == 0.5


def test_a_summary_sentence_matches_a_reference_cut_differently():
    assert matches("The cat sat.", ["Then the cat sat. It purred."])
    assert matches("It rained. The cat sat.", ["The cat sat."])
    assert not matches("The dog sat.", ["The cat sat."])
