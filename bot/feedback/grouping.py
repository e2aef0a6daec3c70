"""Grouping questions so the same question asked ten ways is one line of the gap report.

Two ways, both deterministic for a given order of questions:

- by words (always available): markup stripped, then the search analyzer's terms (lower
  case, no stop words, stemmed) as a set; questions whose sets overlap enough join the
  group whose first question they are closest to;
- by meaning (when the caller has an encoder): questions with the same words are one unit,
  units are embedded and join the group whose centroid they are most similar to, if the
  cosine reaches a threshold.

The thresholds were chosen on ``tests/data/feedback/paraphrases.jsonl`` with
``bench/feedback_grouping.py``, which prints pairwise precision, recall and F1.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np

from bot.knowledge.text import clean_question
from bot.search.tokenizer import Analyzer

__all__ = [
    "MEANING_THRESHOLD",
    "WORD_OVERLAP",
    "Embed",
    "group_by_meaning",
    "group_by_words",
    "pairwise_scores",
    "word_key",
]

Embed = Callable[[Sequence[str]], np.ndarray]
# Jaccard overlap of two questions' term sets for them to count as the same question.
WORD_OVERLAP = 0.3
# Cosine similarity to a group's centroid for a question to join it.
MEANING_THRESHOLD = 0.7
_ANALYZER = Analyzer()


def word_key(text: str) -> frozenset[str]:
    """The question's search terms as a set; for a question of no terms, its folded text."""
    cleaned = clean_question(text)
    terms = frozenset(_ANALYZER.terms(cleaned))
    if terms:
        return terms
    folded = " ".join(cleaned.casefold().split())
    return frozenset({"\x00" + folded})  # cannot collide with a real term


def group_by_words(texts: Sequence[str], overlap: float = WORD_OVERLAP) -> list[list[int]]:
    """Partition of ``range(len(texts))``: identical term sets always together, then by overlap.

    Each group is led by its first question; a later question joins the leader it overlaps
    most (Jaccard at least ``overlap``), the earliest leader on ties. ``overlap=1`` groups
    only identical term sets.
    """
    units = _units(texts)
    leaders: list[frozenset[str]] = []
    groups: list[list[int]] = []
    for key, members in units:
        best, best_score = -1, -1.0
        for i, leader in enumerate(leaders):
            score = _jaccard(key, leader)
            if score > best_score:
                best, best_score = i, score
        if best < 0 or best_score < overlap:
            leaders.append(key)
            groups.append(list(members))
        else:
            groups[best].extend(members)
    return _ordered(groups)


def group_by_meaning(
    texts: Sequence[str], embed: Embed, threshold: float = MEANING_THRESHOLD, *, batch: int = 256
) -> list[list[int]]:
    """Partition of ``range(len(texts))`` by cosine similarity of sentence embeddings.

    ``embed`` maps texts to unit-norm rows. Questions with the same term set are embedded
    once (their first wording). Bigger units are placed first so a common wording, not a
    stray one, seeds each group; a unit joins the most similar centroid at or above
    ``threshold`` or starts a group.
    """
    units = _units(texts)
    if not units:
        return []
    wordings = [texts[members[0]] for _, members in units]
    vectors = np.concatenate(
        [np.asarray(embed(wordings[i : i + batch]), dtype=np.float32) for i in range(0, len(wordings), batch)]
    )
    if vectors.shape[0] != len(wordings):
        raise ValueError(f"embed returned {vectors.shape[0]} rows for {len(wordings)} texts")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms == 0, 1, norms)
    order = sorted(range(len(units)), key=lambda u: (-len(units[u][1]), units[u][1][0]))
    sums = np.zeros((len(units), vectors.shape[1]), dtype=np.float32)
    centroids = np.zeros_like(sums)
    groups: list[list[int]] = []
    for u in order:
        vector = vectors[u]
        if groups:
            scores = centroids[: len(groups)] @ vector
            best = int(np.argmax(scores))
            if scores[best] >= threshold:
                groups[best].extend(units[u][1])
                sums[best] += vector * len(units[u][1])
                centroids[best] = sums[best] / max(float(np.linalg.norm(sums[best])), 1e-12)
                continue
        sums[len(groups)] = vector * len(units[u][1])
        centroids[len(groups)] = vector
        groups.append(list(units[u][1]))
    return _ordered(groups)


def pairwise_scores(groups: Sequence[Sequence[int]], labels: Sequence[object]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of a grouping against true labels.

    A pair of questions counts as predicted-together when they share a group and as
    truly-together when they share a label; the standard clustering measure that does not
    depend on how groups are numbered.
    """
    predicted = {pair for group in groups for pair in itertools.combinations(sorted(group), 2)}
    truth = {(i, j) for i, j in itertools.combinations(range(len(labels)), 2) if labels[i] == labels[j]}
    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _units(texts: Sequence[str]) -> list[tuple[frozenset[str], list[int]]]:
    """Questions with identical term sets, in order of first appearance."""
    by_key: dict[frozenset[str], list[int]] = {}
    for i, text in enumerate(texts):
        by_key.setdefault(word_key(text), []).append(i)
    return list(by_key.items())


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _ordered(groups: list[list[int]]) -> list[list[int]]:
    return sorted((sorted(g) for g in groups), key=lambda g: g[0])
