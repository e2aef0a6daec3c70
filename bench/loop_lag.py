"""Event-loop lag while the bot reloads a large knowledge base and questions keep coming.

    python bench/loop_lag.py                    # 100,000 passages, 50 questions a second
    python bench/loop_lag.py --passages 10000
    python bench/loop_lag.py --semantic --passages 10000   # while sentence vectors are built
    python bench/loop_lag.py --cold             # after a cold start, while summaries are ranked

Runs the bot's own reload path (``KnowledgeBase.reload``: build in a worker thread, swap,
then write the cache and warm the speller in the background) after one file is edited,
while a coroutine measures how late a 10 ms timer fires and another asks a question every
20 ms. For comparison, in the same run, the same reload run directly on the event loop,
as a bot that does not move it off the loop would. Reports lag p50 / p99 / max during the
reload window, the reload time, and questions asked, answered and failed.

``--semantic`` measures the semantic layer instead: the knowledge base starts with all its
sentence vectors (built beforehand by ``python bench/semantic.py --part vectors --kb N``)
and answers by meaning; one file gets a paragraph that was never embedded, so the reload
is followed by ``KnowledgeBase._embed`` embedding that document in a background thread,
and the window lasts until the vectors are swapped in; the lag while the vectors are being
built (``SemanticLayer.attach``, after the swap, the cache write and the typo-index
warm-up) is also reported on its own. The baseline, in the same run, is today's lexical
reload (``SEMANTIC=off``) of the same folder. The edited document's
vectors are deleted afterwards, so every run embeds it again.

``--cold`` measures the start after a cold build (no index cache): the knowledge base
answers as soon as the index is built and ranks the summaries in the background after
(``KnowledgeBase._after_swap``: speller, summaries, cache write). Questions start at the
swap; lag and question latency are reported for that window and, as the baseline, for as
long again once it is over.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


async def _watch_loop(stop: asyncio.Event, lags: list[tuple[float, float]]) -> None:
    """Record (when, how late in ms) a 10 ms sleep wakes up, until ``stop``: the loop's lag."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.010)
        lags.append((time.perf_counter(), (time.perf_counter() - started - 0.010) * 1000))


async def _ask_steadily(
    stop: asyncio.Event, rate: float, questions: list[str], ask: Callable[[str], Awaitable[None]]
) -> None:
    """Start ``rate`` questions a second, each its own task, until ``stop``; then wait for them."""
    pending: set[asyncio.Task[None]] = set()
    i = 0
    while not stop.is_set():
        task = asyncio.create_task(ask(questions[i % len(questions)]))
        pending.add(task)
        task.add_done_callback(pending.discard)
        i += 1
        await asyncio.sleep(1 / rate)
    await asyncio.gather(*pending)


async def measure(passages: int, rate: float, blocking: bool, semantic: bool = False) -> dict[str, float]:
    """One reload under load; ``blocking`` runs it on the loop itself; ``semantic`` with vectors."""
    from scale import folder_for

    from bot.serving.library import KnowledgeBase

    folder, question_file = folder_for(passages)
    questions = json.loads(question_file.read_text("utf-8"))
    kb = KnowledgeBase(folder, semantic=semantic)
    # From the caches when present; with vectors loaded before the clock starts.
    kb.load(embed="now" if semantic else "no")
    if semantic and not kb.snapshot.semantic:
        raise SystemExit(f"semantic layer unavailable: {kb.semantic.unavailable}")
    embedding: list[float] = []  # start and end of building the vectors, when that happens
    if semantic:
        attach = kb.semantic.attach

        def timed_attach(*args: Any, **kwargs: Any) -> Any:
            embedding.append(time.perf_counter())
            try:
                return attach(*args, **kwargs)
            finally:
                embedding.append(time.perf_counter())

        kb.semantic.attach = timed_attach  # type: ignore[method-assign]
    lags: list[tuple[float, float]] = []
    outcomes = {"asked": 0, "answered": 0, "failed": 0}
    stop = asyncio.Event()

    async def ask(question: str) -> None:
        outcomes["asked"] += 1
        try:
            answer = await kb.ask(question)
            outcomes["answered"] += answer.answered
        except Exception:
            outcomes["failed"] += 1

    tasks = [
        asyncio.create_task(_watch_loop(stop, lags)),
        asyncio.create_task(_ask_steadily(stop, rate, questions, ask)),
    ]
    await asyncio.sleep(1.0)
    edited = sorted(folder.glob("doc*.md"))[1]
    original = edited.read_text("utf-8")
    # A new paragraph each run: its document's vectors cannot already be in the cache.
    edited.write_text(original + f"\nA paragraph added while questions were arriving ({time.time_ns()}).\n", "utf-8")
    load_before = float(Path("/proc/loadavg").read_text().split()[0])
    try:
        window_start = time.perf_counter()
        if blocking:
            report = kb._rebuild()
        else:
            report = await kb.reload()
            await kb.settle()
        window_end = time.perf_counter()
        served_semantic = kb.snapshot.semantic
        await asyncio.sleep(1.0)
    finally:
        edited.write_text(original, "utf-8")
        if semantic:
            _forget_vectors(kb, edited.stem)
    stop.set()
    await asyncio.gather(*tasks)
    window = sorted(lag for at, lag in lags if window_start <= at <= window_end + 0.05) or [0.0]
    during = sorted(lag for at, lag in lags if embedding[-2:] and embedding[-2] <= at <= embedding[-1] + 0.05)
    return {
        "embed_s": embedding[-1] - embedding[-2] if len(embedding) >= 2 else 0.0,
        "embed_lag_p50_ms": statistics.median(during) if during else 0.0,
        "embed_lag_p99_ms": during[min(len(during) - 1, round(0.99 * (len(during) - 1)))] if during else 0.0,
        "embed_lag_max_ms": during[-1] if during else 0.0,
        "reload_s": window_end - window_start,
        "ok": float(report.ok),
        "lag_p50_ms": statistics.median(window),
        "lag_p99_ms": window[min(len(window) - 1, round(0.99 * (len(window) - 1)))],
        "lag_max_ms": window[-1],
        "semantic_after": float(served_semantic),
        "load": (load_before, float(Path("/proc/loadavg").read_text().split()[0])),
        **{k: float(v) for k, v in outcomes.items()},
    }


async def measure_cold(passages: int, rate: float) -> dict[str, Any]:
    """A cold start's background window (speller, summaries, cache) under questions, then as long again."""
    import shutil

    from scale import folder_for

    from bot.serving.library import KnowledgeBase

    folder, question_file = folder_for(passages)
    questions = json.loads(question_file.read_text("utf-8"))
    cache = folder / ".cache"
    for entry in cache.iterdir() if cache.is_dir() else ():
        if entry.name != "vectors":  # the index cache only, as bench/scale.py's cold start
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    kb = KnowledgeBase(folder, semantic=False)
    load_before = float(Path("/proc/loadavg").read_text().split()[0])
    started = time.perf_counter()
    report = await asyncio.to_thread(kb._rebuild)  # what load() does before it returns
    cold = time.perf_counter() - started
    unranked = len(kb.snapshot.unranked)
    lags: list[tuple[float, float]] = []
    latencies: list[tuple[float, float]] = []
    stop = asyncio.Event()

    async def ask(question: str) -> None:
        started = time.perf_counter()
        await kb.ask(question)
        latencies.append((time.perf_counter(), (time.perf_counter() - started) * 1000))

    tasks = [
        asyncio.create_task(_watch_loop(stop, lags)),
        asyncio.create_task(_ask_steadily(stop, rate, questions, ask)),
    ]
    window_start = time.perf_counter()
    await asyncio.to_thread(kb._after_swap, kb.snapshot)
    window_end = time.perf_counter()
    await asyncio.sleep(window_end - window_start)
    stop.set()
    await asyncio.gather(*tasks)

    def spread(pairs: list[tuple[float, float]], after: bool) -> str:
        values = sorted(v for at, v in pairs if (at > window_end + 0.05 if after else window_start <= at <= window_end))
        if not values:
            return "-"
        p99 = values[min(len(values) - 1, round(0.99 * (len(values) - 1)))]
        return f"{statistics.median(values):.1f} / {p99:.1f} / {values[-1]:.0f}"

    return {
        "ok": report.ok and not kb.snapshot.unranked,
        "cold_s": cold,
        "unranked": unranked,
        "window_s": window_end - window_start,
        "lag": spread(lags, False),
        "lag_after": spread(lags, True),
        "latency": spread(latencies, False),
        "latency_after": spread(latencies, True),
        "questions": len(latencies),
        "load": (load_before, float(Path("/proc/loadavg").read_text().split()[0])),
    }


def _forget_vectors(kb: object, doc_id: str) -> None:
    """Delete the cached vectors of the edited document's one-off version."""
    from bot.serving.library import KnowledgeBase
    from bot.serving.vector_store import VectorStore

    assert isinstance(kb, KnowledgeBase)
    encoder = kb.semantic.encoder()
    document = kb.snapshot.document(doc_id)
    if encoder is not None and document is not None and kb.cache_dir is not None:
        VectorStore(kb.cache_dir, encoder.identity).path(document.digest).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    """Print the comparison table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=50.0, help="questions per second")
    parser.add_argument("--semantic", action="store_true", help="reload while sentence vectors are built")
    parser.add_argument("--cold", action="store_true", help="a cold start, while summaries are ranked")
    args = parser.parse_args(argv)
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    if args.cold:
        r = asyncio.run(measure_cold(args.passages, args.rate))
        print(
            f"{args.passages:,} passages, {args.rate:g} questions/s, OpenBLAS threads: {threads}\n\n"
            "| window | cold build until it answers (s) | documents ranked after | window (s) "
            "| loop lag p50 / p99 / max (ms) | question latency p50 / p99 / max (ms) | load avg |\n"
            "|---|---|---|---|---|---|---|\n"
            f"| after the swap: speller, summaries, cache{'' if r['ok'] else ' (NOT complete)'} "
            f"| {r['cold_s']:.2f} | {r['unranked']} | {r['window_s']:.2f} | {r['lag']} | {r['latency']} "
            f"| {r['load'][0]:.1f}-{r['load'][1]:.1f} |\n"
            f"| as long again, after it | - | - | - | {r['lag_after']} | {r['latency_after']} | - |"
        )
        return 0
    print(
        f"{args.passages:,} passages, {args.rate:g} questions/s, OpenBLAS threads: {threads}\n\n"
        "| reload | reload time (s) | loop lag p50 / p99 / max during reload (ms) "
        "| of which building vectors: time (s), lag p50 / p99 / max (ms) "
        "| questions asked / answered / failed | load avg |\n"
        "|---|---|---|---|---|---|"
    )
    runs = (
        [("lexical (SEMANTIC=off): worker thread, then swap", False, False),
         ("semantic: reload, then one document embedded in the background", False, True)]
        if args.semantic
        else [("ours: worker thread, then swap", False, False), ("on the event loop (what we avoid)", True, False)]
    )  # fmt: skip
    for name, blocking, semantic in runs:
        r = asyncio.run(measure(args.passages, args.rate, blocking, semantic))
        note = "" if not semantic or r["semantic_after"] else " (vectors were NOT swapped in)"
        print(
            f"| {name}{note} | {r['reload_s']:.2f} "
            f"| {r['lag_p50_ms']:.1f} / {r['lag_p99_ms']:.1f} / {r['lag_max_ms']:.0f} "
            + (
                f"| {r['embed_s']:.2f}: {r['embed_lag_p50_ms']:.1f} / {r['embed_lag_p99_ms']:.1f} "
                f"/ {r['embed_lag_max_ms']:.0f} "
                if semantic
                else "| - "
            )
            + f"| {r['asked']:.0f} / {r['answered']:.0f} / {r['failed']:.0f} | {r['load'][0]:.1f}-{r['load'][1]:.1f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
