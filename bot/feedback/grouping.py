"""Grouping questions so the same question asked ten ways is one line of the gap report.

Two ways, both deterministic for a given order of questions:

- by words (always available): markup stripped, then the search analyzer's terms (lower
  case, no stop words, stemmed) as a set; groups merge while their average Jaccard overlap
  reaches a threshold;
- by meaning (when the caller has an encoder): questions with the same words are one unit,
  units are embedded and merged while every pair in a group keeps a cosine similarity at
  or above a threshold (complete linkage).

Both are agglomerative clusterings over an n x n similarity matrix, so the gap report
caps how many questions it groups at once.

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
# Average Jaccard overlap of term sets for two groups to merge. On the paraphrase set:
# precision 0.98, recall 0.38 (the best F1 with precision >= 0.9).
WORD_OVERLAP = 0.3
# Least cosine similarity between any two questions of a group. On the paraphrase set
# (bench/feedback_grouping.py), with all-mpnet-base-v2: precision 0.95, recall 0.61, F1 0.745,
# the best F1 at precision >= 0.9 (0.575: precision 0.875). With all-MiniLM-L6-v2 (chosen on
# it first): precision 0.98, recall 0.59, F1 0.74; its best is at 0.575 (0.746), but that is
# the edge of a cliff (0.55: precision 0.84), so one step up. One value serves both models.
MEANING_THRESHOLD = 0.6
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
    """Partition of ``range(len(texts))`` by overlap of the questions' term sets.

    Identical term sets are always together; groups are then merged while their average
    Jaccard overlap (over pairs of questions) is at least ``overlap``. ``overlap=1``
    groups only identical term sets.
    """
    units = _units(texts)
    if not units:
        return []
    vocabulary: dict[str, int] = {}
    for key, _ in units:
        for term in key:
            vocabulary.setdefault(term, len(vocabulary))
    incidence = np.zeros((len(units), len(vocabulary)), dtype=np.float32)
    for row, (key, _) in enumerate(units):
        incidence[row, [vocabulary[t] for t in key]] = 1
    shared = incidence @ incidence.T
    sizes = incidence.sum(axis=1)
    similarity = shared / (sizes[:, None] + sizes[None, :] - shared)
    return _merge(units, similarity, overlap, complete=False)


def group_by_meaning(
    texts: Sequence[str], embed: Embed, threshold: float = MEANING_THRESHOLD, *, batch: int = 256
) -> list[list[int]]:
    """Partition of ``range(len(texts))`` by cosine similarity of sentence embeddings.

    ``embed`` maps texts to unit-norm rows. Questions with the same term set are one unit,
    embedded once (their first wording). Units are merged by complete linkage: any two
    questions in a group have cosine at least ``threshold``, so a group cannot drift from
    one question to another through a chain of neighbours.
    """
    units = _units(texts)
    if not units:
        return []
    wordings = [texts[members[0]] for _, members in units]
    vectors = np.concatenate(
        [np.asarray(embed(wordings[i : i + batch]), dtype=np.float64) for i in range(0, len(wordings), batch)]
    )
    if vectors.ndim != 2 or vectors.shape[0] != len(wordings):
        raise ValueError(f"embed returned shape {vectors.shape} for {len(wordings)} texts")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms == 0, 1, norms)
    return _merge(units, vectors @ vectors.T, threshold, complete=True)


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


def _merge(
    units: list[tuple[frozenset[str], list[int]]], similarity: np.ndarray, threshold: float, *, complete: bool
) -> list[list[int]]:
    """Agglomerative clustering of units: merge the most similar pair until none reaches the threshold.

    Complete linkage (the new group's similarity to another is the smaller of the two) or
    average linkage weighted by questions per unit, both by the Lance-Williams update.
    Each row remembers its best partner, so a merge only rescans rows that pointed at the
    merged pair: O(n^2) overall rather than O(n^3). Ties go to the lowest indices.
    """
    n = len(units)
    s = np.array(similarity, dtype=np.float64)
    np.fill_diagonal(s, -np.inf)
    weight = np.array([len(m) for _, m in units], dtype=np.float64)
    members = [list(m) for _, m in units]
    alive = np.ones(n, dtype=bool)
    partner = np.argmax(s, axis=1) if n > 1 else np.zeros(n, dtype=np.int64)
    best = s[np.arange(n), partner] if n > 1 else np.full(n, -np.inf)
    while n > 1:
        a = int(np.argmax(best))
        if not best[a] >= threshold:
            break
        b = int(partner[a])
        a, b = min(a, b), max(a, b)
        average = (s[a] * weight[a] + s[b] * weight[b]) / (weight[a] + weight[b])
        merged = np.minimum(s[a], s[b]) if complete else average
        s[a], s[:, a] = merged, merged
        s[b], s[:, b] = -np.inf, -np.inf
        s[a, a] = -np.inf
        weight[a] += weight[b]
        members[a].extend(members[b])
        alive[b] = False
        best[b] = -np.inf
        for row in [a, *np.flatnonzero(alive & ((partner == a) | (partner == b)))]:
            partner[row] = int(np.argmax(s[row]))
            best[row] = s[row, partner[row]]
    return _ordered([members[i] for i in np.flatnonzero(alive)])


def _ordered(groups: list[list[int]]) -> list[list[int]]:
    return sorted((sorted(g) for g in groups), key=lambda g: g[0])
