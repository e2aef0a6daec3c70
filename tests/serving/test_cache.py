"""The on-disk index cache: used when valid, ignored (and rebuilt) when stale or damaged."""

from __future__ import annotations

import json
import logging
import shutil

import numpy as np
import pytest

from bot.serving.snapshot import build_snapshot
from tests.conftest import ROOT, front_matter, load_questions, make_kb

QUESTIONS = [q["question"] for q in load_questions("dev.jsonl")]


def answers(snapshot) -> list[list[tuple[str, str]]]:
    return [[(r.document.doc_id, r.quote.text) for r in snapshot.ask(q, top=5).results] for q in QUESTIONS]


@pytest.fixture
def kb(tmp_path):
    folder = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge", folder, ignore=shutil.ignore_patterns(".cache"))
    (folder / "tea.md").write_text(
        front_matter(title="Tea", author="Ann", publisher="Leaf") + "\nMatcha comes from Uji in Japan.\n", "utf-8"
    )
    return folder


def test_second_start_is_a_cache_hit_with_identical_answers(kb, tmp_path):
    cache = tmp_path / "cache"
    cold = build_snapshot(kb, cache_dir=cache)
    warm = build_snapshot(kb, cache_dir=cache)
    fresh = build_snapshot(kb)
    assert (cold.cache, warm.cache, fresh.cache) == ("miss", "hit", "none")
    assert warm.reused == len(warm.documents)
    assert answers(warm) == answers(fresh) == answers(cold)
    assert [warm.summarize(d).sentences for d in warm.documents] == [
        fresh.summarize(d).sentences for d in fresh.documents
    ]
    np.testing.assert_array_equal(warm.index.weights, fresh.index.weights)


def test_a_changed_file_is_reindexed_and_the_rest_reused(kb, tmp_path):
    cache = tmp_path / "cache"
    build_snapshot(kb, cache_dir=cache)
    (kb / "tea.md").write_text(
        front_matter(title="Tea", author="Ann", publisher="Leaf") + "\nSencha is steamed green tea.\n", "utf-8"
    )
    again = build_snapshot(kb, cache_dir=cache)
    assert again.cache == "miss"
    assert again.reused == 1
    assert "Sencha" in again.ask("what is sencha?").results[0].quote.text
    assert answers(again) == answers(build_snapshot(kb))
    assert build_snapshot(kb, cache_dir=cache).cache == "hit"


@pytest.mark.parametrize(
    "damage",
    ["truncate_array", "garbage_manifest", "pointer_outside", "wrong_dtype", "offsets_out_of_range", "missing_file"],
)
def test_a_damaged_cache_is_ignored_and_rebuilt(kb, tmp_path, caplog, damage):
    cache = tmp_path / "cache"
    build_snapshot(kb, cache_dir=cache)
    folder = cache / json.loads((cache / "current.json").read_text())["folder"]
    if damage == "truncate_array":
        data = (folder / "postings.npy").read_bytes()
        (folder / "postings.npy").write_bytes(data[: len(data) // 2])
    elif damage == "garbage_manifest":
        (folder / "manifest.json").write_text("{not json")
    elif damage == "pointer_outside":
        (cache / "current.json").write_text(json.dumps({"folder": "../../etc"}))
    elif damage == "wrong_dtype":
        np.save(folder / "weights.npy", np.zeros(3, dtype=np.float32))
    elif damage == "offsets_out_of_range":
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["documents"][0]["sentence_starts"] = [0, 10**9]
        (folder / "manifest.json").write_text(json.dumps(manifest))
    else:
        (folder / "vocab.txt").unlink()
    with caplog.at_level(logging.WARNING, logger="bot.serving.cache"):
        rebuilt = build_snapshot(kb, cache_dir=cache)
    assert rebuilt.cache == "miss"
    assert any("index cache ignored" in r.message for r in caplog.records)
    assert answers(rebuilt) == answers(build_snapshot(kb))
    assert build_snapshot(kb, cache_dir=cache).cache == "hit"


def test_an_unwritable_cache_only_warns(kb, tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with caplog.at_level(logging.WARNING, logger="bot.serving.cache"):
        snapshot = build_snapshot(kb, cache_dir=blocker / "cache")
    assert snapshot.ask("who wrote this article?").answered
    assert any("could not write the index cache" in r.message for r in caplog.records)


def test_settings_are_part_of_the_key(kb, tmp_path):
    from bot.search.index import Bm25Params

    cache = tmp_path / "cache"
    build_snapshot(kb, cache_dir=cache)
    other = build_snapshot(kb, cache_dir=cache, params=Bm25Params("okapi"))
    assert other.cache == "miss"
    assert other.index.params.variant == "okapi"


def test_index_command_reports_hit_and_miss(kb):
    import io

    from bot.cli import main

    out = io.StringIO()
    assert main(["index", "--knowledge", str(kb), "--json"], out, io.StringIO()) == 0
    first = json.loads(out.getvalue())
    out = io.StringIO()
    main(["index", "--knowledge", str(kb), "--json"], out, io.StringIO())
    second = json.loads(out.getvalue())
    assert (first["cache"], second["cache"]) == ("miss", "hit")
    assert set(first) == {"documents", "passages", "terms", "load_ms", "index_ms", "cache", "peak_rss_mb"}
    assert first["documents"] == 2 and first["passages"] == second["passages"]


def test_parallel_analysis_gives_the_same_index(tmp_path, monkeypatch):
    import bot.serving.snapshot as snapshot_module

    kb = make_kb(
        tmp_path / "kb",
        {f"d{i}.md": front_matter(title=f"D{i}") + f"\nParagraph {i} about tea and Japan.\n" for i in range(40)},
    )
    serial = build_snapshot(kb, workers=1)
    monkeypatch.setattr(snapshot_module, "PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(snapshot_module, "_CHUNK_DOCUMENTS", 3)
    parallel = build_snapshot(kb, workers=2, cache_dir=tmp_path / "cache")
    assert len({id(b.terms) for b in parallel.index.bundles}) < len(parallel.documents)  # shared per chunk
    restored = build_snapshot(kb, workers=2, cache_dir=tmp_path / "cache")
    assert restored.cache == "hit"
    for snapshot in (parallel, restored):
        question = "paragraph 7 about tea"
        assert [r.quote.text for r in snapshot.ask(question).results] == [
            r.quote.text for r in serial.ask(question).results
        ]
    np.testing.assert_array_equal(serial.index.postings, parallel.index.postings)
    np.testing.assert_array_equal(serial.index.weights, parallel.index.weights)
    assert serial.index.vocab == parallel.index.vocab
    assert [serial.summarize(d).sentences for d in serial.documents] == [
        parallel.summarize(d).sentences for d in parallel.documents
    ]


def test_two_processes_saving_the_same_cache_at_once_neither_fails(kb, tmp_path, caplog, monkeypatch):
    """Every process of a sharded bot reloads at once and saves to the one shared cache folder.

    The second save runs entirely inside the first one's write (as another process would):
    neither may delete the other's work in progress, and the one that finishes second keeps
    the first one's identical folder instead of failing.
    """
    from bot.serving.cache import IndexCache

    cache = tmp_path / "shared-cache"
    snapshot = build_snapshot(kb, cache_dir=None)
    original = IndexCache._write
    nested: list[bool] = []

    def write_with_another_process_saving_meanwhile(self, folder, *args, **kwargs):
        if not nested:
            nested.append(True)
            IndexCache(cache).save(snapshot.index, snapshot.analyzer, dict(snapshot.ranked))
        return original(self, folder, *args, **kwargs)

    monkeypatch.setattr(IndexCache, "_write", write_with_another_process_saving_meanwhile)
    with caplog.at_level(logging.WARNING, logger="bot.serving.cache"):
        IndexCache(cache).save(snapshot.index, snapshot.analyzer, dict(snapshot.ranked))
    assert nested and not [r for r in caplog.records if r.name == "bot.serving.cache"]
    assert [p.name for p in cache.iterdir() if p.name.startswith(".")] == []  # no temporary left behind
    monkeypatch.undo()
    assert build_snapshot(kb, cache_dir=cache).cache == "hit"
