"""Sentence encoder speed: the full ``encode`` pipeline against the bare forward pass.

    python bench/encode.py                     # ~2,000 sentences, batch size 32
    python bench/encode.py --batch-sizes 16 32 64
    python bench/encode.py --sentences 500 --questions 100

The texts are the shipped article's sentences (as the bot splits them), repeated to the
requested count. ``encode`` includes tokenizing, sorting by length, padding and scattering
the rows back; ``forward`` runs only the model on the very same padded batches, prepared
before the clock starts. The ratio encode/forward says how much the pipeline around the
model costs (target ≥ 0.90). Also reports the latency of encoding one short question at a
time (p50 / p99), which is what answering a question pays.

BLAS threads matter: on a busy machine OpenBLAS's threads wait on each other and the
figures drop several-fold; ``OPENBLAS_NUM_THREADS=1 python bench/encode.py`` shows the
single-core speed, which is steady under load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge.loader import load_knowledge  # noqa: E402
from bot.knowledge.passages import split_passages  # noqa: E402
from bot.search.encoder import Encoder, load_encoder  # noqa: E402


def article_sentences() -> list[str]:
    """Every sentence of the shipped knowledge, front matter included, in order."""
    result = load_knowledge(ROOT / "knowledge")
    return [s.of(p.source) for d in result.documents for p in split_passages(d) for s in p.sentences]


def questions(limit: int) -> list[str]:
    """Short real questions from the dev and off-topic sets."""
    found = []
    for name in ("dev.jsonl", "extra.jsonl", "offtopic.jsonl"):
        for line in (ROOT / "tests" / "data" / name).read_text("utf-8").splitlines():
            if line.strip():
                found.append(json.loads(line)["question"])
    return (found * (limit // len(found) + 1))[:limit]


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call takes."""
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def throughput(encoder: Encoder, texts: list[str], batch_size: int, runs: int) -> tuple[float, float, float]:
    """Sentences per second through ``encode`` and through ``forward`` alone, and the prep's share.

    The two are timed alternately and the best of ``runs`` kept, so a burst of load from the
    other core hits both alike. The prep (tokenize, sort, pad) is also timed on its own: it
    is what the ratio measures, and unlike the ratio it does not drown in that noise.
    """
    batches = encoder.batches(encoder.tokenize(texts), batch_size)
    encoder.encode(texts[:batch_size], batch_size)  # warm up BLAS threads and caches
    full, bare, prep = [], [], []
    for _ in range(runs):
        full.append(timed(lambda: encoder.encode(texts, batch_size)))
        bare.append(timed(lambda: [encoder.forward(ids, mask) for _, ids, mask in batches]))
        prep.append(timed(lambda: encoder.batches(encoder.tokenize(texts), batch_size)))
    return len(texts) / min(full), len(texts) / min(bare), min(prep) / min(bare)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=2, help="timed runs per figure; the best is kept")
    args = parser.parse_args()

    started = time.perf_counter()
    encoder = load_encoder()
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "OpenBLAS default")
    print(f"load (hash check + weights): {time.perf_counter() - started:.2f} s; BLAS threads: {threads}")
    base = article_sentences()
    texts = (base * (args.sentences // len(base) + 1))[: args.sentences]
    tokens = [len(ids) for ids in encoder.tokenize(texts)]
    print(
        f"{len(texts)} sentences ({len(base)} distinct from the article), "
        f"tokens mean {statistics.mean(tokens):.1f}, max {max(tokens)}"
    )
    for batch_size in args.batch_sizes:
        full, bare, prep = throughput(encoder, texts, batch_size, args.runs)
        print(
            f"batch {batch_size:3d}: encode {full:7.1f} sentences/s ({1000 / full:.2f} ms each), "
            f"forward {bare:7.1f} sentences/s, ratio {full / bare:.3f}; "
            f"tokenize+sort+pad alone = {prep:.1%} of forward"
        )

    asked = questions(args.questions)
    encoder.encode(asked[:5])
    latencies = []
    for question in asked:
        t0 = time.perf_counter()
        encoder.encode([question])
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
    print(f"one question at a time ({len(asked)}): p50 {statistics.median(latencies):.2f} ms, p99 {p99:.2f} ms")


if __name__ == "__main__":
    main()
