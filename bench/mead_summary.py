"""The former summary method (MEAD-style scoring + MMR), kept as a baseline for the bench.

This is bot/summaries/summary.py as it was before issue 12 (commit 3b95d32), without the
topic path: a sentence is worth its TF-IDF similarity to the document's centroid, plus its
overlap with the opening sentence, plus a mild position prior (Radev et al., 2004), and
sentences are picked greedily with maximal marginal relevance (Carbonell & Goldstein,
1998). bench/eval_summary.py measures the current method against it in the same run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.knowledge.documents import Document
from bot.knowledge.passages import Layout
from bot.search.index import TermBundle
from bot.summaries.summary import MAX_SENTENCES, MIN_WORDS, SummarySentence

CENTROID_WEIGHT = 1.0
FIRST_SENTENCE_WEIGHT = 0.5
POSITION_WEIGHT = 0.15
MMR_LAMBDA = 0.9
DUPLICATE_SIMILARITY = 0.6
_CLOSERS = "\"'’”)]"


@dataclass(frozen=True, eq=False)
class _Candidates:
    """A document's summary-worthy sentences as sparse TF-IDF rows (compact column ids)."""

    body: str
    spans: list[tuple[int, int, int]]  # (paragraph, start, end) of each candidate
    rows: np.ndarray  # row of each entry
    cols: np.ndarray  # compact column of each entry
    vals: np.ndarray  # TF-IDF weight of each entry
    terms: np.ndarray  # compact column -> index term id
    norms: np.ndarray

    def __len__(self) -> int:
        return len(self.spans)

    def sentence(self, row: int) -> SummarySentence:
        """The candidate as a summary sentence (made only for the ones picked)."""
        paragraph, start, end = self.spans[row]
        return SummarySentence(paragraph, start, end, self.body[start:end])

    def text(self, row: int) -> str:
        """The exact text of a candidate."""
        _, start, end = self.spans[row]
        return self.body[start:end]

    def term_sets(self) -> list[set[int]]:
        """Local term ids of each sentence (for topic relevance)."""
        sets: list[set[int]] = [set() for _ in self.spans]
        for row, col in zip(self.rows.tolist(), self.cols.tolist(), strict=True):
            sets[row].add(int(self.terms[col]))
        return sets


def _standalone(text: str) -> bool:
    """A whole sentence of at least MIN_WORDS words: ends like a sentence, not cut off."""
    stripped = text.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in ".!?…" and text.count(" ") + 1 >= MIN_WORDS


def _candidates(document: Document, layout: Layout, bundle: TermBundle) -> _Candidates:
    """Body sentences that can stand alone (whole, at least MIN_WORDS words), with TF-IDF rows.

    Term counts come from the document's per-sentence bundle: nothing is tokenized again.
    The IDF is the document's own, over its body sentences (BM25+'s log((S + 1) / df)):
    a summary then depends on nothing but its document, so it never changes when other
    documents do and can be computed in the worker that tokenized the document.
    Columns are the document's local term ids.
    """
    body = document.body
    spans: list[tuple[int, int, int]] = []
    units: list[int] = []
    ptr = layout.sentence_ptr.tolist()
    paragraphs = layout.paragraphs.tolist()
    starts, ends = layout.sentence_starts.tolist(), layout.sentence_ends.tolist()
    for j in range(1, layout.size):
        for u in range(ptr[j], ptr[j + 1]):
            if _standalone(body[starts[u] : ends[u]]):
                spans.append((paragraphs[j], starts[u], ends[u]))
                units.append(u)
    first_body = ptr[1] if len(ptr) > 1 else 0
    body_units = bundle.units - first_body
    body_terms = bundle.term_ids[int(bundle.unit_ptr[first_body]) :]
    df = np.bincount(body_terms, minlength=len(bundle.terms))
    idf = np.log((body_units + 1) / np.maximum(df, 1))
    unit_array = np.asarray(units, dtype=np.int64)
    lengths = bundle.unit_ptr[unit_array + 1] - bundle.unit_ptr[unit_array] if units else np.zeros(0, np.int64)
    rows = np.repeat(np.arange(len(units), dtype=np.int64), lengths)
    entry = np.repeat(bundle.unit_ptr[unit_array], lengths) + _ranges(lengths)
    local_ids = bundle.term_ids[entry]
    tf = bundle.counts[entry].astype(np.float64)
    vals = (1.0 + np.log(np.maximum(tf, 1.0))) * idf[local_ids]
    terms, cols = np.unique(local_ids, return_inverse=True)
    norms = np.sqrt(np.bincount(rows, weights=vals * vals, minlength=len(units)))
    return _Candidates(body, spans, rows, cols, vals, terms, norms)


def _ranges(lengths: np.ndarray) -> np.ndarray:
    """0..n-1 for each n in ``lengths``, concatenated."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offsets = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.arange(total, dtype=np.int64) - offsets


def _row_dot(c: _Candidates, dense: np.ndarray) -> np.ndarray:
    """Dot product of every row with a dense vector over the compact columns."""
    return np.bincount(c.rows, weights=c.vals * dense[c.cols], minlength=len(c))


def _mead_scores(c: _Candidates) -> np.ndarray:
    n = len(c)
    width = len(c.terms)
    centroid = np.bincount(c.cols, weights=c.vals, minlength=width) / n
    first = np.zeros(width)
    first_entries = c.rows == 0
    first[c.cols[first_entries]] = c.vals[first_entries]
    with np.errstate(divide="ignore", invalid="ignore"):
        to_centroid = np.nan_to_num(_row_dot(c, centroid) / (c.norms * np.linalg.norm(centroid)))
        to_first = np.nan_to_num(_row_dot(c, first) / (c.norms * c.norms[0]))
    position = 1.0 - np.arange(n) / n
    return CENTROID_WEIGHT * to_centroid + FIRST_SENTENCE_WEIGHT * to_first + POSITION_WEIGHT * position


def _mmr(c: _Candidates, pool: np.ndarray, scores: np.ndarray, count: int) -> list[int]:
    """Greedy picks (row numbers) by relevance minus similarity to what is already picked.

    Only the ``pool`` rows compete (the best by score, a few times more than needed), so a
    long document costs a small dense similarity matrix, not a quadratic one.
    """
    slot = np.full(len(c), -1, dtype=np.int64)
    slot[pool] = np.arange(len(pool))
    entry_slot = slot[c.rows]
    keep = entry_slot >= 0
    slots, cols = entry_slot[keep], c.cols[keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = np.nan_to_num(c.vals[keep] / c.norms[c.rows[keep]])
    relevance = scores[pool] / (scores.max() or 1.0)
    chosen: list[int] = []
    texts: set[str] = set()
    redundancy = np.zeros(len(pool))
    available = np.ones(len(pool), dtype=bool)
    while len(chosen) < count:
        allowed = available & (redundancy < DUPLICATE_SIMILARITY)
        if not allowed.any():
            break
        value = np.where(allowed, MMR_LAMBDA * relevance - (1 - MMR_LAMBDA) * redundancy, -np.inf)
        best = int(np.argmax(value))
        available[best] = False
        text = c.text(int(pool[best]))
        if text in texts:
            continue
        texts.add(text)
        chosen.append(int(pool[best]))
        picked = np.zeros(len(c.terms))
        mine = slots == best
        picked[cols[mine]] = unit[mine]
        similarity = np.bincount(slots, weights=unit * picked[cols], minlength=len(pool))
        redundancy = np.maximum(redundancy, similarity)
    return chosen


def _pool(scores: np.ndarray, count: int) -> np.ndarray:
    size = min(len(scores), max(4 * count, 40))
    return np.argsort(-scores, kind="stable")[:size]


def rank_sentences(
    document: Document, layout: Layout, bundle: TermBundle, count: int = MAX_SENTENCES
) -> tuple[SummarySentence, ...]:
    """The MMR pick order of a document's best sentences (a summary of N is the first N).

    Computed once per document when it is indexed, since greedy picks are a prefix of each
    other: the 3-sentence summary is the first 3 of the 10-sentence pick.
    """
    candidates = _candidates(document, layout, bundle)
    if not len(candidates):
        return ()
    scores = _mead_scores(candidates)
    picks = _mmr(candidates, _pool(scores, count), scores, count)
    return tuple(candidates.sentence(i) for i in picks)
