"""Summaries ranked after the snapshot serves: the same summaries, never on the event loop, never a gap cached."""

from __future__ import annotations

import asyncio
import shutil
import threading

import pytest

import bot.serving.snapshot as snapshot_module
from bot.serving.cache import IndexCache
from bot.serving.library import KnowledgeBase
from bot.serving.snapshot import build_snapshot
from bot.summaries.summary import MAX_SENTENCES
from tests.conftest import ROOT, front_matter


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge", target, ignore=shutil.ignore_patterns(".cache"))
    (target / "tea.md").write_text(
        front_matter(title="Tea", author="Ann", publisher="Leaf")
        + "\nMatcha comes from Uji in Japan, where the leaves are shaded before the harvest.\n\n"
        "Sencha is steamed green tea, and most of the tea drunk in Japan is sencha.\n",
        "utf-8",
    )
    return target


def texts(summary) -> list[tuple[int, str]]:
    return [(s.paragraph, s.text) for s in summary.sentences]


@pytest.fixture
def ranked_on(monkeypatch) -> list[threading.Thread]:
    """The threads summary rankings are made in (from now on)."""
    threads: list[threading.Thread] = []
    real = snapshot_module.rank_sentences

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(snapshot_module, "rank_sentences", recording)
    return threads


def test_a_later_build_leaves_new_documents_unranked_and_completing_them_ranks_as_now_does(folder):
    later = build_snapshot(folder, rank="later")
    now = build_snapshot(folder)
    assert {d.doc_id for d in later.unranked} == {d.doc_id for d in later.documents}
    assert not now.unranked and later.ranked == {}
    complete = later.with_rankings()
    assert not complete.unranked and complete.ranked == now.ranked
    assert complete.with_rankings() is complete
    # Asked before its ranking exists, a summary is the one the finished snapshot gives.
    for document in later.documents:
        assert texts(later.summarize(document, sentences=MAX_SENTENCES)) == texts(
            now.summarize(document, sentences=MAX_SENTENCES)
        )
    assert (
        later.ask("What is this article about?", doc_id="tea").results
        == now.ask("What is this article about?", doc_id="tea").results
    )
    overall = later.ask("What is this about?")  # no document: each document's lead point
    assert overall.summary and len(overall.results) == len(later.documents)
    assert overall.results == now.ask("What is this about?").results


def test_a_later_build_writes_no_cache_and_a_cache_never_takes_a_gap(folder, tmp_path):
    cache = tmp_path / "cache"
    later = build_snapshot(folder, cache_dir=cache, rank="later")
    assert not (cache / "current.json").exists()
    with pytest.raises(ValueError, match="summary ranking"):
        IndexCache(cache).save(later.index, later.analyzer, dict(later.ranked))
    assert not (cache / "current.json").exists()


def test_rebuilding_from_an_unranked_snapshot_reuses_its_tokens(folder, ranked_on):
    later = build_snapshot(folder, rank="later")
    again = build_snapshot(folder, previous=later)  # rank="now": ranks what ``later`` lacked, tokenizes nothing
    assert again.reused == len(again.documents)
    assert not again.unranked and len(ranked_on) == len(again.documents)
    assert again.ranked == build_snapshot(folder).ranked


@pytest.mark.asyncio
async def test_a_summary_asked_before_its_ranking_is_ready_is_ranked_off_the_event_loop(folder, monkeypatch, ranked_on):
    kb = KnowledgeBase(folder, use_cache=False, semantic=False)
    monkeypatch.setattr(kb, "_after_swap", lambda snapshot, **_: None)  # the background ranking has not run yet
    assert kb.load().ok
    assert kb.snapshot.unranked and not ranked_on  # the load itself ranked nothing
    complete = build_snapshot(folder)
    document = complete.document("tea")
    ranked_on.clear()

    summary = await kb.summarize("tea", sentences=MAX_SENTENCES)
    assert summary is not None and texts(summary) == texts(complete.summarize(document, sentences=MAX_SENTENCES))
    overview = await kb.overview(sentences=1)
    assert [texts(s) for s in overview] == [texts(complete.summarize(d, sentences=1)) for d in complete.documents]
    answer = await kb.ask("What is this article about?", doc_id="tea")
    assert answer.summary and answer.results == complete.ask("What is this article about?", doc_id="tea").results
    assert ranked_on and threading.main_thread() not in ranked_on


@pytest.mark.asyncio
async def test_the_load_serves_first_then_ranks_and_caches_every_summary(folder, tmp_path):
    cache = tmp_path / "cache"
    kb = KnowledgeBase(folder, cache_dir=cache, semantic=False)
    assert kb.load().ok
    await kb.settle()
    assert not kb.snapshot.unranked and kb.snapshot.warmed
    assert kb.snapshot.ranked == build_snapshot(folder).ranked
    restarted = KnowledgeBase(folder, cache_dir=cache, semantic=False)
    assert restarted.load(embed="no").ok
    assert restarted.snapshot.cache == "hit" and not restarted.snapshot.unranked
    assert restarted.snapshot.ranked == kb.snapshot.ranked


@pytest.mark.asyncio
async def test_rankings_of_a_replaced_snapshot_are_not_swapped_in(folder, monkeypatch):
    kb = KnowledgeBase(folder, use_cache=False, semantic=False)
    rank = kb._rank
    monkeypatch.setattr(kb, "_after_swap", lambda snapshot, **_: None)
    assert kb.load().ok
    replaced = kb.snapshot
    (folder / "tea.md").unlink()
    assert (await kb.reload()).ok
    newer = kb.snapshot
    assert rank(replaced) is None and kb.snapshot is newer  # too late: the reload's own work ranks
    ranked = rank(newer)
    assert ranked is kb.snapshot and not ranked.unranked and ranked.speller is newer.speller


def test_a_reload_before_the_rankings_arrive_tokenizes_nothing_again(folder, monkeypatch):
    kb = KnowledgeBase(folder, use_cache=False, semantic=False)
    monkeypatch.setattr(kb, "_after_swap", lambda snapshot, **_: None)
    assert kb.load().ok
    report = asyncio.run(kb.reload())
    assert report.ok and kb.snapshot.reused == len(kb.snapshot.documents) and kb.snapshot.unranked


def test_the_command_line_build_has_every_ranking(folder):
    assert not build_snapshot(folder, cache_dir=None).unranked
    with pytest.raises(ValueError, match="rank must be"):
        build_snapshot(folder, rank="soon")  # type: ignore[arg-type]
