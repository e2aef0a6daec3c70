"""The feedback store's cost on the answering path, against baselines measured in the same run.

    python bench/feedback_store.py                 # 2,000 answers per scenario
    python bench/feedback_store.py --answers 500   # quicker

Figures (SQLite, WAL, synchronous=NORMAL, a fresh file in a temp folder):

- record_answer p50/p99: one question with three citations, a quote and a keyed asker,
  one transaction each, the way the bot records an answer;
- vote p50/p99: a first vote (existence check, upsert, recount in one transaction);
- sustained writes per second: one process, then two processes writing to one file at
  once (answers recorded per second across both);
- baselines: a bare ``INSERT`` of the same answer row with sqlite3 in autocommit mode
  (the floor any SQLite store pays), and the shipped knowledge base answering the same
  questions (``Snapshot.ask``), so the added cost reads as a share of an answer.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.feedback import FeedbackStore, Outcome  # noqa: E402

KEY = b"bench-key-0123456789abcdef"
QUESTIONS = [
    "Who is Kishida's Indian counterpart?",
    "why did japan keep talking to moscow after crimea?",
    "what does article 9 say",
    "how much will japan spend on defence by 2027",
    "who wrote this?",
]
CITED = [("eu-japan-defence-partnership", 20), ("eu-japan-defence-partnership", 6), ("eu-japan-defence-partnership", 7)]
QUOTE = "Kishida and his Indian counterpart, Narendra Modi, reaffirmed their countries’ partnership."


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def time_record(store: FeedbackStore, count: int, offset: int = 0) -> tuple[list[float], list[str]]:
    times, ids = [], []
    for i in range(count):
        question = QUESTIONS[i % len(QUESTIONS)]
        started = time.perf_counter()
        answer_id = store.record_answer(
            question, Outcome.ANSWERED, cited=CITED, quote=QUOTE, guild_id=1, channel_id=2, user_id=offset + i
        )
        times.append(time.perf_counter() - started)
        if answer_id is None:
            raise SystemExit("record_answer was refused: the benchmark needs a writable database")
        ids.append(answer_id)
    return times, ids


def raw_insert(path: Path, count: int) -> list[float]:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("CREATE TABLE answers (id TEXT PRIMARY KEY, asked_at BIGINT, question BLOB, quote BLOB)")
    times = []
    for i in range(count):
        row = (f"raw{i:012d}", i, QUESTIONS[i % len(QUESTIONS)].encode(), QUOTE.encode())
        started = time.perf_counter()
        connection.execute("INSERT INTO answers VALUES (?, ?, ?, ?)", row)
        times.append(time.perf_counter() - started)
    connection.close()
    return times


def writer(path: str, count: int, offset: int, start: object) -> float:
    store = FeedbackStore.sqlite(path, key=KEY, busy_timeout_ms=30_000)
    store.totals()
    start.wait(60)  # type: ignore[attr-defined]
    began = time.perf_counter()
    time_record(store, count, offset)
    store.close()
    return time.perf_counter() - began


def answer_times(count: int) -> list[float]:
    from bot.serving.snapshot import build_snapshot

    snapshot = build_snapshot(ROOT / "knowledge")
    for question in QUESTIONS:
        snapshot.ask(question)  # warm caches
    times = []
    for i in range(count):
        started = time.perf_counter()
        snapshot.ask(QUESTIONS[i % len(QUESTIONS)])
        times.append(time.perf_counter() - started)
    return times


def line(label: str, samples: list[float]) -> tuple[float, float]:
    p50, p99 = percentiles(samples)
    print(f"  {label:<34} p50 {p50 * 1000:7.3f} ms   p99 {p99 * 1000:7.3f} ms")
    return p50, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=2000, help="answers per scenario")
    args = parser.parse_args()
    count = args.answers
    with tempfile.TemporaryDirectory(prefix="feedback-bench-") as folder:
        base = Path(folder)
        print(f"SQLite {sqlite3.sqlite_version}, {count} answers per scenario, in {base}")
        store = FeedbackStore.sqlite(base / "one.db", key=KEY)
        store.totals()  # create the schema outside the timings
        began = time.perf_counter()
        record, ids = time_record(store, count)
        single = count / (time.perf_counter() - began)
        votes = []
        for i, answer_id in enumerate(ids):
            started = time.perf_counter()
            store.vote(answer_id, 10_000 + i, helpful=i % 3 != 0)
            votes.append(time.perf_counter() - started)
        started = time.perf_counter()
        report = store.gaps(7)
        gaps_ms = (time.perf_counter() - started) * 1000
        store.close()
        raw = raw_insert(base / "raw.db", count)
        answer = answer_times(min(count, 500))

        context = multiprocessing.get_context("spawn")
        with context.Manager() as manager:
            start = manager.Event()
            with context.Pool(2) as pool:
                jobs = [pool.apply_async(writer, (str(base / "two.db"), count, w * count, start)) for w in (0, 1)]
                time.sleep(1.0)  # let both processes open the file
                start.set()
                elapsed = max(job.get(timeout=600) for job in jobs)
        double = 2 * count / elapsed
        size = (base / "one.db").stat().st_size + sum(p.stat().st_size for p in base.glob("one.db-wal"))

    print("latency")
    rec50, rec99 = line("record_answer (store)", record)
    line("vote, first click (store)", votes)
    raw50, _ = line("bare sqlite3 INSERT (baseline)", raw)
    ans50, ans99 = line("Snapshot.ask, shipped article", answer)
    print("ratios")
    print(f"  record_answer / bare INSERT        p50 x{rec50 / raw50:.1f}")
    print(f"  record_answer / answering          p50 {100 * rec50 / ans50:.0f}%   p99 {100 * rec99 / ans99:.0f}%")
    print("throughput (answers recorded per second, sustained)")
    print(f"  one process                        {single:8.0f} /s")
    print(f"  two processes, one file            {double:8.0f} /s (both together)")
    print("other")
    print(f"  gap report over {count} answers ({len(report.groups)} lines)  {gaps_ms:.1f} ms")
    print(f"  database size after {count} answers + votes  {size / 1024:.0f} KiB ({size / count:.0f} B per answer)")
    print(f"  cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
