"""Reloads: off the event loop, atomic, never racing, never losing what was serving."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from bot.serving.library import KnowledgeBase
from tests.conftest import ROOT, front_matter

pytestmark = pytest.mark.asyncio


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge", target, ignore=shutil.ignore_patterns(".cache"))
    return target


async def test_reload_reports_what_changed_and_swaps(folder):
    kb = KnowledgeBase(folder, use_cache=False)
    assert kb.load().ok
    before = kb.snapshot
    (folder / "tea.md").write_text(front_matter(title="Tea") + "\nMatcha comes from Uji.\n", "utf-8")
    report = await kb.reload()
    assert report.ok and report.added == ("tea",) and report.changed == () and report.removed == ()
    assert (report.passages_before, report.passages) == (21, 23)
    assert kb.snapshot is not before
    (folder / "tea.md").unlink()
    body = (folder / "eu-japan-defence-partnership.md").read_text("utf-8")
    (folder / "eu-japan-defence-partnership.md").write_text(body + "\nA new closing paragraph.\n", "utf-8")
    report = await kb.reload()
    assert report.removed == ("tea",) and report.changed == ("eu-japan-defence-partnership",)
    assert "reload ok" in report.summary_line()


async def test_a_failed_reload_keeps_serving_the_old_snapshot(folder):
    kb = KnowledgeBase(folder, use_cache=False)
    kb.load(embed="now")  # ranked and embedded: nothing but a reload could replace the snapshot
    serving = kb.snapshot
    (folder / "bad.md").write_text("---\ntitle: [broken\n---\nText.\n", "utf-8")
    report = await kb.reload()
    assert not report.ok
    assert str(report.errors[0]).startswith(f"{folder}/bad.md:2:")
    assert kb.snapshot is serving
    assert kb.snapshot.ask("Who is Kishida's Indian counterpart?").answered


async def test_concurrent_reloads_do_not_race(folder):
    kb = KnowledgeBase(folder, use_cache=False)
    kb.load()
    first, second = await asyncio.gather(kb.reload(), kb.reload())
    assert sorted([first.busy, second.busy]) == [False, True]
    assert (first if not first.busy else second).ok
    assert "another reload" in (second if second.busy else first).summary_line()


async def test_the_event_loop_keeps_answering_during_a_reload(folder):
    kb = KnowledgeBase(folder, use_cache=False)
    kb.load()
    answered = []

    async def ask_repeatedly() -> None:
        while not done.is_set():
            answer = await kb.ask("Who is Kishida's Indian counterpart?")
            answered.append(answer.answered)
            await asyncio.sleep(0)

    done = asyncio.Event()
    asker = asyncio.create_task(ask_repeatedly())
    report = await kb.reload()
    done.set()
    await asker
    assert report.ok
    assert answered and all(answered)


async def test_cache_is_written_in_the_background_after_a_reload(folder, tmp_path):
    cache = tmp_path / "cache"
    kb = KnowledgeBase(folder, cache_dir=cache)
    kb.load()  # the start-up too: it serves first, then ranks the summaries and writes the cache
    await kb.settle()
    assert (cache / "current.json").exists()
    (folder / "tea.md").write_text(front_matter(title="Tea") + "\nMatcha comes from Uji.\n", "utf-8")
    await kb.reload()
    await kb.settle()
    again = KnowledgeBase(folder, cache_dir=cache)
    again.load()
    assert again.snapshot.cache == "hit"
    assert len(again.snapshot.documents) == 2


async def test_a_snapshot_not_yet_warmed_never_builds_its_speller_on_the_event_loop(folder, monkeypatch):
    """Right after a swap the speller (a second on a large vocabulary) is still to build."""
    import threading

    import bot.serving.snapshot as snapshot_module

    built_on: list[threading.Thread] = []
    real = snapshot_module.Speller

    def recording(*args, **kwargs):
        built_on.append(threading.current_thread())
        return real(*args, **kwargs)

    kb = KnowledgeBase(folder, use_cache=False, semantic=False)
    assert kb.load().ok
    await kb.settle()
    monkeypatch.setattr(snapshot_module, "Speller", recording)
    monkeypatch.setattr(kb, "_after_swap", lambda snapshot: None)  # the background warm-up has not run yet
    (folder / "tea.md").write_text(front_matter(title="Tea") + "\nMatcha comes from Uji.\n", "utf-8")
    assert (await kb.reload()).ok
    assert not kb.snapshot.warmed
    answer = await kb.ask("where does matcha come from")
    assert answer.answered and built_on and threading.main_thread() not in built_on
    assert kb.snapshot.warmed
