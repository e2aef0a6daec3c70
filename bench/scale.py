"""Speed and memory at scale, against plain rank-bm25 measured in the same run.

    python bench/scale.py                       # 1,000, 10,000 and 100,000 passages
    python bench/scale.py --sizes 1000          # just one size
    python bench/scale.py --million             # also 1,000,000 passages (long; not for CI)

For each size, in fresh child processes (so peak memory is each scenario's own):

- cold: no index cache (sentence vectors are kept); load + lay out + tokenize + index,
  until it can answer; what the bot does next in the background is timed separately:
  ranking the summaries (a summary asked meanwhile ranks its own document), then the
  cache write;
- warm: restart with the cache present and nothing changed;
- reload: one file edited, then the bot's own reload path (``KnowledgeBase._rebuild``);
- questions: p50/p99 latency over the questions through the public answer function
  (``Snapshot.ask``: cleaning, reading the question, scoring, quotes, decline rule);
- baseline: rank-bm25 (same variant and parameters, same passage tokens) ``get_scores`` on
  the question's terms + top 5, the way a plain rank-bm25 bot answers.

Synthetic folders come from bench/synthetic.py and are kept in bench/.work/ between runs.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

WORK = ROOT / "bench" / ".work"
GENERATOR_VERSION = "1"


def folder_for(size: int) -> tuple[Path, Path]:
    """The knowledge folder for a size (generated once) and its questions file."""
    from synthetic import questions, write_folder

    folder = WORK / f"kb-{size}"
    marker = folder / f".generated-{GENERATOR_VERSION}"
    question_file = WORK / f"questions-{size}.json"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        samples = write_folder(folder, size)
        question_file.write_text(json.dumps(questions(samples, 2000)), "utf-8")
        marker.write_text("ok")
    return folder, question_file


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode: str, folder: Path, question_file: Path, count: int) -> dict[str, float]:
    """One scenario, run inside a child process; returns its figures."""
    from bot.serving.library import KnowledgeBase

    cache = folder / ".cache"
    if mode == "cold":
        # The index cache only: sentence vectors (bench/semantic.py) take minutes to rebuild
        # and the lexical path never reads them.
        for entry in cache.iterdir() if cache.is_dir() else ():
            if entry.name != "vectors":
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    if mode == "baseline":
        return baseline(folder, question_file, count)
    kb = KnowledgeBase(folder)
    started = time.perf_counter()
    report = kb._rebuild()
    ready = time.perf_counter() - started
    assert report.ok, report
    snapshot = kb.snapshot
    figures = {"seconds": ready, "passages": snapshot.index.size, "cache": snapshot.cache == "hit"}
    if mode == "cold":
        started = time.perf_counter()
        ranked = kb._rank(snapshot)  # the bot's background step after the swap
        figures["rank_seconds"] = time.perf_counter() - started
        assert ranked is not None and not ranked.unranked
        started = time.perf_counter()
        kb._save(ranked)
        figures["cache_write_seconds"] = time.perf_counter() - started
    if mode == "reload":
        edited = sorted(folder.glob("doc*.md"))[0]
        original = edited.read_text("utf-8")
        try:
            edited.write_text(original + "\nAn added paragraph about reloading the knowledge base.\n", "utf-8")
            started = time.perf_counter()
            report = kb._rebuild()
            figures["seconds"] = time.perf_counter() - started
            assert report.ok and report.changed == (edited.stem,), report
        finally:
            edited.write_text(original, "utf-8")
    if mode == "warm":
        questions = json.loads(question_file.read_text("utf-8"))[:count]
        started = time.perf_counter()
        snapshot.warm()
        figures["speller_seconds"] = time.perf_counter() - started
        for question in questions[:20]:
            snapshot.ask(question, top=5)
        latencies = []
        answered = 0
        for question in questions:
            started = time.perf_counter()
            answer = snapshot.ask(question, top=5)
            latencies.append((time.perf_counter() - started) * 1000)
            answered += answer.answered
        figures.update(percentiles(latencies))
        figures["answered"] = answered / len(questions)
    figures["peak_rss_mb"] = peak_rss_mb()
    return figures


def baseline(folder: Path, question_file: Path, count: int) -> dict[str, float]:
    """Plain rank-bm25 over the same passages (our analyzer's tokens, same variant)."""
    import numpy as np

    from bot.serving.snapshot import build_snapshot

    snapshot = build_snapshot(folder, cache_dir=folder / ".cache", save_cache=False)
    corpus = snapshot.index.corpus_tokens()
    analyzer = snapshot.analyzer
    started = time.perf_counter()
    model = snapshot.index.params.reference(corpus)
    build = time.perf_counter() - started
    del corpus
    questions = json.loads(question_file.read_text("utf-8"))[:count]
    latencies = []
    agree = 0
    for question in questions:
        started = time.perf_counter()
        terms = analyzer.terms(question)
        scores = model.get_scores(terms)
        top = np.argsort(scores)[::-1][:5]
        latencies.append((time.perf_counter() - started) * 1000)
        ours = [h.ordinal for h in snapshot.index.search(snapshot.index.term_ids(terms), 5)]
        agree += set(ours) <= set(np.flatnonzero(scores >= scores[top[-1]]).tolist())
    return {
        "build_seconds": build,
        **percentiles(latencies),
        "top5_agree": agree / len(questions),
        "peak_rss_mb": peak_rss_mb(),
    }


def percentiles(latencies: list[float]) -> dict[str, float]:
    """p50 and p99 in milliseconds."""
    ordered = sorted(latencies)
    return {
        "p50_ms": statistics.median(ordered),
        "p99_ms": ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))],
        "questions": len(ordered),
    }


def run_child(mode: str, folder: Path, question_file: Path, count: int) -> dict[str, float]:
    """Run one scenario in a fresh Python process."""
    output = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, __file__, "--child", mode, str(folder), str(question_file), str(count)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _ratio(theirs: float, ours: float) -> str:
    """Below 10x one decimal matters: 0.5x says we are slower, which rounding would hide."""
    ratio = theirs / ours
    return f"{ratio:.1f}x" if ratio < 10 else f"{ratio:.0f}x"


def main(argv: list[str] | None = None) -> int:
    """Print the table for each size."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--million", action="store_true", help="also 1,000,000 passages")
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, folder, question_file, count = args.child
        print(json.dumps(child(mode, Path(folder), Path(question_file), int(count))))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s] + ([1_000_000] if args.million else [])
    print(
        "| passages | cold load+index (s) | then summaries ranked (s) | cache write (s) | warm start (s) "
        "| reload, 1 file changed (s) "
        "| peak RSS cold / warm (MB) | ours p50 / p99 (ms) | rank-bm25 p50 / p99 (ms) | speed-up p50 / p99 "
        "| rank-bm25 peak RSS (MB) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for size in sizes:
        folder, question_file = folder_for(size)
        cold = run_child("cold", folder, question_file, args.questions)
        warm = run_child("warm", folder, question_file, args.questions)
        reload = run_child("reload", folder, question_file, args.questions)
        base = run_child("baseline", folder, question_file, args.questions)
        print(
            f"| {int(cold['passages']):,} | {cold['seconds']:.2f} | {cold['rank_seconds']:.2f} "
            f"| {cold['cache_write_seconds']:.2f} "
            f"| {warm['seconds']:.2f} | {reload['seconds']:.2f} "
            f"| {cold['peak_rss_mb']:.0f} / {warm['peak_rss_mb']:.0f} "
            f"| {warm['p50_ms']:.2f} / {warm['p99_ms']:.2f} | {base['p50_ms']:.1f} / {base['p99_ms']:.1f} "
            f"| {_ratio(base['p50_ms'], warm['p50_ms'])} / {_ratio(base['p99_ms'], warm['p99_ms'])} "
            f"| {base['peak_rss_mb']:.0f} |",
            flush=True,
        )
        print(
            f"<!-- {size}: warm cache hit={bool(warm['cache'])}, speller {warm['speller_seconds']:.2f} s, "
            f"answered {warm['answered']:.2f}, top-5 agreement with rank-bm25 {base['top5_agree']:.2f}, "
            f"rank-bm25 build {base['build_seconds']:.1f} s, {int(warm['questions'])} questions -->",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
