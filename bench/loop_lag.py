"""Event-loop lag while the bot reloads a large knowledge base and questions keep coming.

    python bench/loop_lag.py                    # 100,000 passages, 50 questions a second
    python bench/loop_lag.py --passages 10000

Runs the bot's own reload path (``KnowledgeBase.reload``: build in a worker thread, swap,
then write the cache and warm the speller in the background) after one file is edited,
while a coroutine measures how late a 10 ms timer fires and another asks a question every
20 ms. For comparison, in the same run, the same reload run directly on the event loop,
as a bot that does not move it off the loop would. Reports lag p50 / p99 / max during the
reload window, the reload time, and questions asked, answered and failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


async def measure(passages: int, rate: float, blocking: bool) -> dict[str, float]:
    """One reload under load; ``blocking`` runs it on the loop itself."""
    from scale import folder_for

    from bot.serving.library import KnowledgeBase

    folder, question_file = folder_for(passages)
    questions = json.loads(question_file.read_text("utf-8"))
    kb = KnowledgeBase(folder)
    kb.load()  # from the cache when present
    lags: list[tuple[float, float]] = []
    outcomes = {"asked": 0, "answered": 0, "failed": 0}
    stop = asyncio.Event()

    async def monitor() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0.010)
            lags.append((time.perf_counter(), (time.perf_counter() - started - 0.010) * 1000))

    async def ask(question: str) -> None:
        try:
            answer = await kb.ask(question)
            outcomes["answered"] += answer.answered
        except Exception:
            outcomes["failed"] += 1

    async def load() -> None:
        pending: set[asyncio.Task[None]] = set()
        i = 0
        while not stop.is_set():
            task = asyncio.create_task(ask(questions[i % len(questions)]))
            pending.add(task)
            task.add_done_callback(pending.discard)
            outcomes["asked"] += 1
            i += 1
            await asyncio.sleep(1 / rate)
        await asyncio.gather(*pending)

    tasks = [asyncio.create_task(monitor()), asyncio.create_task(load())]
    await asyncio.sleep(1.0)
    edited = sorted(folder.glob("doc*.md"))[1]
    original = edited.read_text("utf-8")
    edited.write_text(original + "\nA paragraph added while questions were arriving.\n", "utf-8")
    try:
        window_start = time.perf_counter()
        if blocking:
            report = kb._rebuild()
        else:
            report = await kb.reload()
            await kb.settle()
        window_end = time.perf_counter()
        await asyncio.sleep(1.0)
    finally:
        edited.write_text(original, "utf-8")
    stop.set()
    await asyncio.gather(*tasks)
    window = sorted(lag for at, lag in lags if window_start <= at <= window_end + 0.05) or [0.0]
    return {
        "reload_s": window_end - window_start,
        "ok": float(report.ok),
        "lag_p50_ms": statistics.median(window),
        "lag_p99_ms": window[min(len(window) - 1, round(0.99 * (len(window) - 1)))],
        "lag_max_ms": window[-1],
        **{k: float(v) for k, v in outcomes.items()},
    }


def main(argv: list[str] | None = None) -> int:
    """Print the comparison table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=50.0, help="questions per second")
    args = parser.parse_args(argv)
    print(
        f"{args.passages:,} passages, {args.rate:g} questions/s\n\n"
        "| reload | reload time (s) | loop lag p50 / p99 / max during reload (ms) "
        "| questions asked / answered / failed |\n"
        "|---|---|---|---|"
    )
    for blocking in (False, True):
        r = asyncio.run(measure(args.passages, args.rate, blocking))
        name = "on the event loop (what we avoid)" if blocking else "ours: worker thread, then swap"
        print(
            f"| {name} | {r['reload_s']:.2f} | {r['lag_p50_ms']:.1f} / {r['lag_p99_ms']:.1f} / {r['lag_max_ms']:.0f} "
            f"| {r['asked']:.0f} / {r['answered']:.0f} / {r['failed']:.0f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
