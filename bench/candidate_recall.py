"""Is the answer among the passages the semantic layer scores? (recall before ranking)

    python bench/candidate_recall.py            # held-out sets 1 and 2
    python bench/candidate_recall.py --sets 1   # one of them

For each answerable question: whether a passage holding the answer (from the right
document) is among the candidates whose sentences get scored (the lexical pool plus the
passages nearest by meaning). When this is near 1 and Hit@3 is low, ranking, not recall,
is what loses. Reads only the candidate list, so running it tunes nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eval_quality import heldout_sets, load_questions, norm, snapshots  # noqa: E402

import bot.search.answer as answer  # noqa: E402
from bot.serving.semantic import SemanticLayer  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    """Print candidate recall per set."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="1,2", help="comma-separated held-out set numbers")
    args = parser.parse_args(argv)
    seen: list[list[int]] = []
    original = answer._score_windows

    def recording(*args: Any, **kwargs: Any) -> Any:
        seen.append(list(args[3]))  # the candidate ordinals
        return original(*args, **kwargs)

    answer._score_windows = recording  # type: ignore[assignment]
    layer = SemanticLayer(tempfile.mkdtemp(prefix="recall-vectors-"))
    print("| set | answerable questions scored by meaning | answer among the candidates |")
    print("|---|---|---|")
    for which in (int(x) for x in args.sets.split(",")):
        for qs in heldout_sets(which):
            snapshot = snapshots(qs.knowledge, layer)[1]
            scored = found = 0
            for q in load_questions(qs.questions):
                if not q["answerable"]:
                    continue
                seen.clear()
                snapshot.ask(q["question"])
                if not seen:
                    continue  # answered as a summary request
                scored += 1
                found += any(
                    any(norm(a) in norm(snapshot.index.passages[o].text) for a in q["answers"])
                    and (q.get("doc") is None or snapshot.index.passages[o].doc_id == q["doc"])
                    for o in seen[-1]
                )
            print(f"| {qs.name} | {scored} | {found} ({found / max(scored, 1):.2f}) |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
