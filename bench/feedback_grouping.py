"""Gap-report grouping on the paraphrase set: pairwise precision, recall and F1.

    python bench/feedback_grouping.py                  # words and meaning, threshold sweeps
    python bench/feedback_grouping.py --no-semantic    # words only (no encoder needed)
    python bench/feedback_grouping.py --set FILE.jsonl # another {"group", "question"} set

Baselines in the same run: every question alone (precision 1, recall 0) and exact term
sets (overlap 1.0). The defaults in bot/feedback/grouping.py (WORD_OVERLAP,
MEANING_THRESHOLD) come from these sweeps: the best F1 among settings with precision at
least 0.9 (a report that merges two different questions hides one of them, one that
splits a question only repeats it), moved one step stricter where that best sits at the
edge of a precision cliff.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bot.feedback.grouping import (  # noqa: E402
    MEANING_THRESHOLD,
    WORD_OVERLAP,
    group_by_meaning,
    group_by_words,
    pairwise_scores,
)

DEFAULT_SET = ROOT / "tests" / "data" / "feedback" / "paraphrases.jsonl"
OVERLAPS = (1.0, 0.8, 0.67, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15)
THRESHOLDS = tuple(round(0.40 + 0.025 * i, 3) for i in range(17))


def load_set(path: Path) -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows], [r["group"] for r in rows]


def load_embed() -> Callable[[Sequence[str]], np.ndarray] | None:
    """The project's sentence encoder as ``texts -> unit-norm rows``, or None if it is not there."""
    try:
        from bot.search import encoder  # optional: written separately
    except Exception as error:
        print(f"meaning: skipped, bot.search.encoder not importable ({type(error).__name__}: {error})")
        return None
    for name in ("load_encoder", "default_encoder", "Encoder"):
        factory = getattr(encoder, name, None)
        if factory is None:
            continue
        try:
            model = factory()
        except Exception as error:
            print(f"meaning: skipped, {name}() failed ({type(error).__name__}: {error})")
            return None
        for method in ("embed", "encode"):
            if callable(getattr(model, method, None)):
                return getattr(model, method)
    for name in ("embed", "encode"):
        if callable(getattr(encoder, name, None)):
            return getattr(encoder, name)
    print("meaning: skipped, bot.search.encoder has no embed/encode entry point")
    return None


def row(label: str, groups: list[list[int]], labels: list[str], extra: str = "") -> tuple[float, float, float]:
    p, r, f = pairwise_scores(groups, labels)
    print(f"  {label:<28} groups {len(groups):>3}  precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}{extra}")
    return p, r, f


MIN_PRECISION = 0.9


def best(results: dict[float, tuple[float, float, float]]) -> float:
    """The setting with the best F1 among those precise enough (precision breaks ties)."""
    precise = {k: v for k, v in results.items() if v[0] >= MIN_PRECISION} or results
    return max(precise, key=lambda k: (round(precise[k][2], 3), precise[k][0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--no-semantic", action="store_true", help="words only; do not load the encoder")
    args = parser.parse_args()
    texts, labels = load_set(args.set)
    print(f"{args.set.name}: {len(texts)} questions in {len(set(labels))} groups")
    print("baseline")
    row("every question alone", [[i] for i in range(len(texts))], labels)
    print("by words (average linkage on Jaccard overlap of term sets)")
    words = {o: row(f"overlap {o:.2f}", group_by_words(texts, o), labels) for o in OVERLAPS}
    chosen = best(words)
    print(f"  best overlap at precision >= {MIN_PRECISION} {chosen:.2f}; default WORD_OVERLAP = {WORD_OVERLAP}")
    if args.no_semantic:
        return
    embed = load_embed()
    if embed is None:
        return
    started = time.perf_counter()
    vectors = np.asarray(embed(texts), dtype=np.float32)
    elapsed = time.perf_counter() - started
    print(f"by meaning (complete linkage on cosine; {len(texts)} texts embedded in {elapsed:.2f} s)")
    cache = dict(zip(texts, vectors, strict=True))

    def cached(batch: Sequence[str]) -> np.ndarray:
        return np.stack([cache[t] for t in batch])

    meaning = {t: row(f"threshold {t:.3f}", group_by_meaning(texts, cached, t), labels) for t in THRESHOLDS}
    chosen = best(meaning)
    print(f"  best threshold at precision >= {MIN_PRECISION} {chosen:.3f}; default {MEANING_THRESHOLD = }")


if __name__ == "__main__":
    main()
