"""Summary quality: share of hand-written key points covered, against Lead-N and random-N.

    python bench/eval_summary.py            # the table in docs/benchmarks.md
    python bench/eval_summary.py --grid     # sensitivity of the scoring weights

Documents: the shipped article plus two of our own (tests/data/summaries/); key points are
in tests/data/summaries/keypoints.json, each a list of short verbatim phrases, any of which
shows the point is there. Lead-N is the first N body sentences; random-N is the mean over
200 seeded draws of N body sentences. All three are measured in the same run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bot.summaries.summary as summary_module  # noqa: E402
from bot.serving.snapshot import Snapshot, build_snapshot  # noqa: E402

DATA = ROOT / "tests" / "data" / "summaries"
SIZES = (3, 5, 8)


def knowledge_folder() -> Path:
    """A temporary knowledge folder with the three documents."""
    folder = Path(tempfile.mkdtemp(prefix="summary-eval-"))
    shutil.copy(ROOT / "knowledge" / "eu-japan-defence-partnership.md", folder)
    for path in DATA.glob("*.md"):
        shutil.copy(path, folder)
    return folder


def coverage(texts: Sequence[str], points: Sequence[Sequence[str]]) -> float:
    """Share of key points with at least one phrase in the chosen sentences."""
    joined = " ".join(" ".join(t.split()) for t in texts)
    return sum(any(" ".join(p.split()) in joined for p in point) for point in points) / len(points)


def body_sentences(snapshot: Snapshot, doc_id: str) -> list[str]:
    """Every body sentence of a document, in order (what Lead-N and random-N draw from)."""
    lo, hi = snapshot.index.doc_ranges[doc_id]
    return [s.of(p.source) for p in snapshot.index.passages[lo:hi] if not p.is_about for s in p.sentences]


def table(
    snapshot: Snapshot, keypoints: dict[str, list[list[str]]]
) -> dict[tuple[str, int], tuple[float, float, float]]:
    """(doc, N) -> (ours, lead, random) coverage."""
    results = {}
    for doc_id, points in keypoints.items():
        document = snapshot.document(doc_id)
        assert document is not None, doc_id
        sentences = body_sentences(snapshot, doc_id)
        for n in SIZES:
            ours = [s.text for s in snapshot.summarize(document, sentences=n).sentences]
            rng = random.Random(n)
            draws = [coverage(rng.sample(sentences, min(n, len(sentences))), points) for _ in range(200)]
            results[(doc_id, n)] = (coverage(ours, points), coverage(sentences[:n], points), sum(draws) / len(draws))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table (and optionally the weight grid)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grid", action="store_true")
    args = parser.parse_args(argv)
    keypoints = json.loads((DATA / "keypoints.json").read_text("utf-8"))
    folder = knowledge_folder()
    try:
        snapshot = build_snapshot(folder)
        results = table(snapshot, keypoints)
        print("| document | N | ours | Lead-N | random-N (mean of 200) |\n|---|---|---|---|---|")
        for (doc_id, n), (ours, lead, rand) in results.items():
            print(f"| {doc_id} | {n} | {ours:.2f} | {lead:.2f} | {rand:.2f} |")
        if args.grid:
            print("\n| centroid | first | position | mmr lambda | mean ours - lead (all docs, N=3,5,8) | worst |")
            print("|---|---|---|---|---|---|")
            for c, f, p, lam in itertools.product((0.5, 1.0), (0.0, 0.25, 0.5), (0.0, 0.15, 0.3, 0.6), (0.5, 0.7, 0.9)):
                summary_module.CENTROID_WEIGHT, summary_module.FIRST_SENTENCE_WEIGHT = c, f
                summary_module.POSITION_WEIGHT, summary_module.MMR_LAMBDA = p, lam
                fresh = build_snapshot(folder)
                diffs = [o - lead for o, lead, _ in table(fresh, keypoints).values()]
                print(f"| {c} | {f} | {p} | {lam} | {sum(diffs) / len(diffs):+.3f} | {min(diffs):+.2f} |")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
