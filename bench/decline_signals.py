"""Would another signal decline the off-topic questions the bot still answers? Over every seen set.

    python bench/decline_signals.py   # seen sets: tuning sets, held-outs 5 on but the newest, SQuAD 2 and 3

Each signal is read for every question the semantic layer answers; a candidate rule
declines an answered question when its signal is below a threshold. For each threshold
the table gives what the rule would cost (answerable questions whose first quote was a hit,
now declined) and what it would gain (off-topic questions declined). A signal worth keeping
gains off-topic declines before it costs hits. The signals:

- ``document``: the question's cosine with the mean vector of the first quote's document,
  that is, is the question about what the answering document is about, or does it share
  one sense-colliding word with one clause ("is flood damage covered by home insurance")?
- ``rest``: for a question the lexical rule calls weak (the semantic layer overrules it),
  the cosine of the question without the words the passages hold with the first quote:
  does the rest of the question fit too, as a paraphrase's does?
- ``missing``: the best cosine of the question's words that no passage holds, encoded
  together, with any sentence of the knowledge base: are the missing words foreign to it?

Nothing here changes the bot; it is the record behind docs/benchmarks.md's "tried, not kept".
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import eval_quality as quality  # noqa: E402

from bot.search.answer import meaning_text  # noqa: E402
from bot.search.query import Match, read_question  # noqa: E402
from bot.serving.semantic import SemanticLayer  # noqa: E402
from bot.serving.snapshot import Snapshot  # noqa: E402

_WORD = re.compile(r"[\w'’-]+|\S")
THRESHOLDS = {
    "document": (0.1, 0.15, 0.2, 0.25),
    "rest": (0.1, 0.15, 0.2, 0.25),
    "missing": (0.25, 0.3, 0.35, 0.4),
}


@dataclass(frozen=True)
class Reading:
    """One answered question's signals (None where a signal does not apply)."""

    kind: str  # "hit" (answerable, first quote a hit), "miss" (answerable, not a hit), "off", "on"
    signals: dict[str, float | None]


def seen_sets() -> list[quality.QuestionSet]:
    """Every set that has been run and looked at: the tuning sets, held-outs 5 on, SQuAD 2 and 3's articles.

    A held-out set nobody has run yet (``UNSEEN_HELDOUT``) is left out until its one run.
    """
    sets = quality.tuning_sets()
    for which in range(5, quality.LATEST_HELDOUT + 1):
        if which != quality.UNSEEN_HELDOUT:
            sets += quality.heldout_sets(which)
    return sets + quality.squad_sets(2)[:-1] + quality.squad_sets(3)[:-1]


def _centroids(snapshot: Snapshot) -> dict[str, np.ndarray]:
    assert snapshot.vectors is not None
    matrix = snapshot.vectors.passage_matrix
    found = {}
    for doc_id, (lo, hi) in snapshot.index.doc_ranges.items():
        mean = matrix[lo:hi].mean(axis=0)
        found[doc_id] = mean / (np.linalg.norm(mean) or 1.0)
    return found


def _sentences(snapshot: Snapshot) -> np.ndarray:
    assert snapshot.vectors is not None
    rows = [snapshot.vectors.sentences(o) for o in range(snapshot.index.size)]
    return np.concatenate([r for r in rows if r is not None and len(r)])


def readings(lexical: Snapshot, semantic: Snapshot, questions: Iterable[dict]) -> list[Reading]:
    """The signals of every question ``semantic`` answers."""
    assert semantic.encode is not None
    encode = semantic.encode
    centroids, sentences = _centroids(semantic), _sentences(semantic)
    found = []
    for q in questions:
        answer = semantic.ask(q["question"])
        if not answer.answered or answer.summary:
            continue
        first = answer.results[0]
        if q["answerable"]:
            kind = "hit" if quality._hit(q, first.quote.text, first.document.doc_id) else "miss"
        else:
            kind = "off" if q["difficulty"] == "easy" else "on"
        meant = meaning_text(answer.cleaned, semantic.index, semantic.analyzer, semantic.blend)
        query = read_question(answer.cleaned, semantic.index, semantic.analyzer, semantic.speller)
        held = {c.surface for c in query.concepts if c.match is not Match.MISSING}
        missing = " ".join(c.surface for c in query.concepts if c.match is Match.MISSING)
        question, quote = encode([meant, first.quote.text])
        signals: dict[str, float | None] = {"document": float(centroids[first.document.doc_id] @ question)}
        signals["rest"] = None
        if not lexical.ask(q["question"]).answered:
            rest = " ".join(w for w in _WORD.findall(meant) if w.lower() not in held) or meant
            signals["rest"] = float(encode([rest])[0] @ quote)
        signals["missing"] = float((sentences @ encode([missing])[0]).max()) if missing else None
        found.append(Reading(kind, signals))
    return found


def table(name: str, found: list[Reading]) -> None:
    """Cost and gain of declining below each threshold of one signal."""
    applies = [r for r in found if r.signals[name] is not None]
    count = {k: sum(r.kind == k for r in applies) for k in ("hit", "miss", "off", "on")}
    print(f"\n`{name}` (applies to {len(applies)} answered questions: {count})\n")
    print("| decline below | hits lost | answerable misses declined | off-topic declined | on-topic declined |")
    print("|---|---|---|---|---|")
    for threshold in THRESHOLDS[name]:
        below = [r for r in applies if (r.signals[name] or 0.0) < threshold]
        n = {k: sum(r.kind == k for r in below) for k in ("hit", "miss", "off", "on")}
        print(f"| {threshold:.2f} | {n['hit']} | {n['miss']} | {n['off']} of {count['off']} | {n['on']} |")


def main() -> int:
    """Print one table per signal."""
    layer = SemanticLayer(tempfile.mkdtemp(prefix="signals-vectors-"))
    built: dict[Path, tuple[Snapshot, Snapshot]] = {}
    found: list[Reading] = []
    for qs in seen_sets():
        if qs.knowledge not in built:
            built[qs.knowledge] = quality.snapshots(qs.knowledge, layer)
        found += readings(*built[qs.knowledge], quality.load_questions(qs.questions))
    off = sum(r.kind == "off" for r in found)
    print(f"{len(found)} answered questions over the seen sets, {off} of them off topic")
    for name in THRESHOLDS:
        table(name, found)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
