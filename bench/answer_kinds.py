"""Choosing ``answer_type``: Hit@1 / Hit@3 on the seen questions that ask when.

    python bench/answer_kinds.py                 # every seen set, several weights
    python bench/answer_kinds.py --weights 0,0.1

Only questions whose grammar asks for a time (``bot.search.kinds.asks_when``) are run: the
weight changes nothing else (the decline never reads it), so the other
questions' figures are those of ``eval_quality.py``. Held-out sets that are not yet seen are
left out.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import eval_quality as eq  # noqa: E402

from bot.search.kinds import asks_when  # noqa: E402
from bot.serving.semantic import SemanticLayer  # noqa: E402


def seen_sets() -> list[eq.QuestionSet]:
    """dev, ours, off-topic, Normans, the seen held-outs and the seen SQuAD groups."""
    sets = eq.default_sets()
    for n in range(1, eq.LATEST_HELDOUT + 1):
        if n != eq.UNSEEN_HELDOUT:
            sets += eq.heldout_sets(n)
    for n in eq.SEEN_SQUAD:
        sets += [s for s in eq.squad_sets(n) if "in one knowledge base" not in s.name]
    return sets


def main(argv: Sequence[str] | None = None) -> int:
    """Print, per weight, Hit@1 and Hit@3 over the questions that ask when."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", default="0,0.05,0.1,0.2,0.3")
    parser.add_argument("--vectors", help="keep sentence vectors in this folder between runs")
    args = parser.parse_args(argv)
    weights = [float(w) for w in args.weights.split(",")]
    layer = SemanticLayer(args.vectors or tempfile.mkdtemp(prefix="kinds-vectors-"))
    hits: dict[float, list[float]] = {w: [0.0, 0.0] for w in weights}
    count = 0
    for qs in seen_sets():
        questions = [q for q in eq.load_questions(qs.questions) if q["answerable"] and asks_when(q["question"])]
        if not questions:
            continue
        count += len(questions)
        _, semantic = eq.snapshots(qs.knowledge, layer)
        for w in weights:
            s = eq.evaluate(eq.ours(eq.replace_blend(semantic, replace(semantic.blend, answer_type=w))), questions)
            hits[w][0] += s.hit1 * len(questions)
            hits[w][1] += s.hit3 * len(questions)
        print(f"{qs.name}: {len(questions)} questions", file=sys.stderr)
    print("| answer_type | " + " | ".join(str(w) for w in weights) + " |")
    print("|---|" + "---|" * len(weights))
    print(
        f"| Hit@1 / Hit@3, of {count} | " + " | ".join(f"{hits[w][0]:.0f} / {hits[w][1]:.0f}" for w in weights) + " |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
