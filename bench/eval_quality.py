"""Answer quality on the question sets, against the naive baseline measured in the same run.

    python bench/eval_quality.py                    # dev questions, ours vs baseline
    python bench/eval_quality.py --questions tests/data/extra.jsonl
    python bench/eval_quality.py --compare          # analyzer options x BM25 variants
    python bench/eval_quality.py --verbose          # one line per question

A hit at rank k means the quote shown at rank k (not merely its paragraph) contains the
expected answer, both lower-cased and whitespace-normalised (see tests/data/README.md).
The baseline is rank-bm25's BM25Okapi over the same passages tokenized with
``str.lower().split()``, showing whole paragraphs and never declining.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import rank_bm25  # noqa: E402

from bot.search.index import Bm25Params  # noqa: E402
from bot.search.tokenizer import Analyzer  # noqa: E402
from bot.serving.snapshot import Snapshot, build_snapshot  # noqa: E402

# A system maps a question to (declined, shown quotes best first).
System = Callable[[str], tuple[bool, list[str]]]


@dataclass(frozen=True)
class Scores:
    """The figures reported for one system on one question set."""

    hit1: float
    hit3: float
    mrr: float
    declined_off_topic: float
    declined_on_topic: float
    wrongly_declined: float
    misses: tuple[str, ...]


def norm(text: str) -> str:
    """Lower-case and collapse white space (also turns U+00A0 into a plain space)."""
    return " ".join(text.lower().split())


def load_questions(path: Path) -> list[dict]:
    """JSON Lines question set."""
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def evaluate(system: System, questions: Sequence[dict], verbose: bool = False, label: str = "") -> Scores:
    """Run every question through ``system`` and compute the metrics."""
    answerable = [q for q in questions if q["answerable"]]
    off_topic = [q for q in questions if not q["answerable"] and q["difficulty"] == "easy"]
    on_topic = [q for q in questions if not q["answerable"] and q["difficulty"] != "easy"]
    hit1 = hit3 = 0
    rr = 0.0
    wrongly = 0
    misses: list[str] = []
    for q in answerable:
        declined, quotes = system(q["question"])
        wrongly += declined
        shown = [] if declined else quotes[:5]
        rank = next((i + 1 for i, quote in enumerate(shown) if norm(q["answer"]) in norm(quote)), None)
        hit1 += rank == 1
        hit3 += rank is not None and rank <= 3
        rr += 1 / rank if rank else 0.0
        if rank != 1:
            misses.append(q["id"])
        if verbose:
            state = "DECLINED" if declined else f"rank={rank}"
            top = shown[0][:90] if shown else ""
            print(f"  {label} {q['id']} {state:9} {q['question'][:60]!r} -> {top!r}")
    declined_off = sum(system(q["question"])[0] for q in off_topic)
    declined_on = sum(system(q["question"])[0] for q in on_topic)
    if verbose:
        for q in off_topic + on_topic:
            print(f"  {label} {q['id']} declined={system(q['question'])[0]} {q['question']!r}")
    n = max(len(answerable), 1)
    return Scores(
        hit1=hit1 / n,
        hit3=hit3 / n,
        mrr=rr / n,
        declined_off_topic=declined_off / max(len(off_topic), 1),
        declined_on_topic=declined_on / max(len(on_topic), 1),
        wrongly_declined=wrongly / n,
        misses=tuple(misses),
    )


def ours(snapshot: Snapshot) -> System:
    """The project's answering, as users see it (declines included)."""

    def run(question: str) -> tuple[bool, list[str]]:
        answer = snapshot.ask(question, top=5)
        return (not answer.answered, [r.quote.text for r in answer.results])

    return run


def baseline(snapshot: Snapshot) -> System:
    """rank-bm25 BM25Okapi over the same passages with ``str.lower().split()``."""
    texts = [p.text for p in snapshot.index.passages]
    model = rank_bm25.BM25Okapi([t.lower().split() for t in texts])

    def run(question: str) -> tuple[bool, list[str]]:
        scores = model.get_scores(question.lower().split())
        order = sorted(range(len(texts)), key=lambda i: (-scores[i], i))
        return (False, [texts[i] for i in order[:5]])

    return run


def row(name: str, s: Scores) -> str:
    """One Markdown table row."""
    return (
        f"| {name} | {s.hit1:.3f} | {s.hit3:.3f} | {s.mrr:.3f} | {s.declined_off_topic:.2f} "
        f"| {s.declined_on_topic:.2f} | {s.wrongly_declined:.3f} |"
    )


HEADER = (
    "| system | Hit@1 | Hit@3 | MRR@5 | off-topic declined | on-topic unanswerable declined "
    "| answerable wrongly declined |\n|---|---|---|---|---|---|---|"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the quality table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, action="append")
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--compare", action="store_true", help="compare analyzer options and BM25 variants")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    paths = args.questions or [ROOT / "tests" / "data" / "dev.jsonl"]
    for path in paths:
        questions = load_questions(path)
        print(f"\n{path.name}: {len(questions)} questions, {sum(q['answerable'] for q in questions)} answerable\n")
        print(HEADER)
        snapshot = build_snapshot(args.knowledge)
        print(
            row("naive baseline (BM25Okapi, lower().split(), whole paragraph)", evaluate(baseline(snapshot), questions))
        )
        mine = evaluate(ours(snapshot), questions, args.verbose, "ours")
        print(row("this project (quote shown)", mine))
        if args.compare:
            for variant in ("okapi", "l", "plus"):
                for stem in (True, False):
                    for stop in (True, False):
                        for hyphens in (True, False):
                            analyzer = Analyzer(stem=stem, stop_words=stop, split_hyphens=hyphens)
                            snap = build_snapshot(args.knowledge, params=Bm25Params(variant), analyzer=analyzer)
                            name = f"{variant}, stem={stem}, stop={stop}, hyphen parts={hyphens}"
                            print(row(name, evaluate(ours(snap), questions)))
        print(f"\nnot a hit at rank 1: {' '.join(mine.misses) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
