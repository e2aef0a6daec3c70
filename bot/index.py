"""Passages -> a BM25 index whose scores are rank-bm25's, computed only where they can matter.

rank-bm25 scores a question by looping in Python over every passage for every term, which
costs a quarter of a second at 100,000 passages. This index keeps, for each term, the
passages that contain it and that term's exact rank-bm25 contribution to each of them (a
compressed sparse column matrix in three numpy arrays). Answering a question is then a sum
over the few columns of the question's terms, so only passages that share a term with the
question are ever touched. The IDF is computed by rank-bm25's own ``_calc_idf`` so the floor
and edge cases are the library's, and ``tests/test_index.py`` proves on seeded random
corpora that scores equal ``get_scores`` to 1e-9 with the same top-k.

Tokenizing is the expensive part of indexing, so each document's term counts live in a
``TermBundle`` that is reused for as long as the file's bytes do not change.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import rank_bm25

from bot.documents import Document
from bot.passages import Passage
from bot.tokenizer import Analyzer

__all__ = [
    "INDEX_VERSION",
    "Bm25Params",
    "Hit",
    "Index",
    "TermBundle",
    "bundle_terms",
    "top_k",
]

# Bump when anything that changes stored terms or weights changes (analyzer, passages, BM25).
INDEX_VERSION = 1

Variant = Literal["okapi", "l", "plus"]


@dataclass(frozen=True, slots=True)
class Bm25Params:
    """A rank-bm25 variant and its parameters (defaults are the library's)."""

    variant: Variant = "plus"
    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25
    delta: float | None = None

    @property
    def resolved_delta(self) -> float:
        """rank-bm25's default delta for the variant when none is given."""
        if self.delta is not None:
            return self.delta
        return 0.5 if self.variant == "l" else 1.0

    def reference(self, corpus: Sequence[Sequence[str]]) -> rank_bm25.BM25:
        """The rank-bm25 model these parameters describe, for proofs and baselines."""
        if self.variant == "okapi":
            return rank_bm25.BM25Okapi(corpus, k1=self.k1, b=self.b, epsilon=self.epsilon)
        if self.variant == "l":
            return rank_bm25.BM25L(corpus, k1=self.k1, b=self.b, delta=self.resolved_delta)
        return rank_bm25.BM25Plus(corpus, k1=self.k1, b=self.b, delta=self.resolved_delta)

    def idf(self, corpus_size: int, doc_freq: dict[str, int]) -> dict[str, float]:
        """IDF per term from rank-bm25's own ``_calc_idf`` (same formula, same floor)."""
        cls = {"okapi": rank_bm25.BM25Okapi, "l": rank_bm25.BM25L, "plus": rank_bm25.BM25Plus}[self.variant]
        model = cls.__new__(cls)
        model.corpus_size = corpus_size
        model.idf = {}
        model.k1, model.b, model.epsilon, model.delta = self.k1, self.b, self.epsilon, self.resolved_delta
        if doc_freq:
            model._calc_idf(doc_freq)
        return model.idf


@dataclass(frozen=True, slots=True)
class TermBundle:
    """One document's term counts per passage, independent of every other document."""

    terms: tuple[str, ...]
    offsets: np.ndarray  # int64, len(passages) + 1, into term_ids / counts
    term_ids: np.ndarray  # int32 ids into ``terms``
    counts: np.ndarray  # int32 term frequency
    lengths: np.ndarray  # int32 number of terms per passage (the BM25 document length)

    def passage_terms(self, i: int) -> Iterator[tuple[str, int]]:
        """(term, count) pairs of passage ``i`` of this document."""
        for j in range(int(self.offsets[i]), int(self.offsets[i + 1])):
            yield self.terms[int(self.term_ids[j])], int(self.counts[j])


def passage_token_list(passage: Passage, analyzer: Analyzer) -> list[str]:
    """The BM25 'document' of a passage: its terms, plus hidden field labels for the about passage."""
    terms = analyzer.terms(passage.text)
    for label in passage.labels:
        terms.extend(analyzer.terms(label))
    return terms


def bundle_terms(passages: Sequence[Passage], analyzer: Analyzer) -> TermBundle:
    """Tokenize a document's passages once into compact per-passage counts."""
    local: dict[str, int] = {}
    offsets = [0]
    term_ids: list[int] = []
    counts: list[int] = []
    lengths: list[int] = []
    for passage in passages:
        tokens = passage_token_list(passage, analyzer)
        tally: dict[int, int] = {}
        for token in tokens:
            tid = local.setdefault(token, len(local))
            tally[tid] = tally.get(tid, 0) + 1
        term_ids.extend(tally)
        counts.extend(tally.values())
        offsets.append(len(term_ids))
        lengths.append(len(tokens))
    return TermBundle(
        terms=tuple(local),
        offsets=np.asarray(offsets, dtype=np.int64),
        term_ids=np.asarray(term_ids, dtype=np.int32),
        counts=np.asarray(counts, dtype=np.int32),
        lengths=np.asarray(lengths, dtype=np.int32),
    )


@dataclass(frozen=True, slots=True)
class Hit:
    """A ranked passage: its position in the index and its BM25 score."""

    ordinal: int
    score: float


@dataclass(frozen=True, eq=False)
class Index:
    """Immutable search structure over all passages of all documents."""

    params: Bm25Params
    passages: tuple[Passage, ...]
    documents: tuple[Document, ...]
    doc_ranges: dict[str, tuple[int, int]]
    by_id: dict[str, Document]
    vocab: dict[str, int]
    idf: np.ndarray
    indptr: np.ndarray
    postings: np.ndarray
    weights: np.ndarray
    base: np.ndarray
    doc_len: np.ndarray
    avgdl: float
    bundles: tuple[TermBundle, ...] = field(repr=False)

    @classmethod
    def build(
        cls,
        documents: Sequence[Document],
        passages: Sequence[Sequence[Passage]],
        bundles: Sequence[TermBundle],
        params: Bm25Params | None = None,
    ) -> Index:
        """Merge per-document bundles into global BM25 weights (no tokenizing happens here)."""
        params = params or Bm25Params()
        all_passages: list[Passage] = []
        doc_ranges: dict[str, tuple[int, int]] = {}
        vocab: dict[str, int] = {}
        tids: list[np.ndarray] = []
        pids: list[np.ndarray] = []
        tfs: list[np.ndarray] = []
        lengths: list[np.ndarray] = []
        for document, doc_passages, bundle in zip(documents, passages, bundles, strict=True):
            first = len(all_passages)
            all_passages.extend(doc_passages)
            doc_ranges[document.doc_id] = (first, len(all_passages))
            global_ids = np.fromiter(
                (vocab.setdefault(t, len(vocab)) for t in bundle.terms), dtype=np.int32, count=len(bundle.terms)
            )
            tids.append(global_ids[bundle.term_ids])
            per_passage = np.diff(bundle.offsets)
            pids.append(np.repeat(np.arange(first, len(all_passages), dtype=np.int32), per_passage))
            tfs.append(bundle.counts)
            lengths.append(bundle.lengths)

        n = len(all_passages)
        size = len(vocab)
        tid = np.concatenate(tids) if tids else np.zeros(0, np.int32)
        pid = np.concatenate(pids) if pids else np.zeros(0, np.int32)
        tf = np.concatenate(tfs).astype(np.float64) if tfs else np.zeros(0)
        doc_len = np.concatenate(lengths).astype(np.float64) if lengths else np.zeros(0)
        order = np.argsort(tid.astype(np.int64) * max(n, 1) + pid, kind="stable")
        tid, pid, tf = tid[order], pid[order], tf[order]
        df = np.bincount(tid, minlength=size)
        indptr = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])

        idf_by_term = params.idf(n, dict(zip(vocab, df.tolist(), strict=True)))
        idf = np.fromiter((idf_by_term[t] for t in vocab), dtype=np.float64, count=size)
        avgdl = float(doc_len.sum() / n) if n else 0.0
        weights, base = _weights(params, idf, tid, tf, doc_len[pid] if n else tf, avgdl)
        return cls(
            params=params,
            passages=tuple(all_passages),
            documents=tuple(documents),
            doc_ranges=doc_ranges,
            by_id={d.doc_id: d for d in documents},
            vocab=vocab,
            idf=idf,
            indptr=indptr,
            postings=pid,
            weights=weights,
            base=base,
            doc_len=doc_len,
            avgdl=avgdl,
            bundles=tuple(bundles),
        )

    @property
    def size(self) -> int:
        """Number of passages."""
        return len(self.passages)

    def doc_freq(self, term_id: int) -> int:
        """How many passages contain the term."""
        return int(self.indptr[term_id + 1] - self.indptr[term_id])

    def score(
        self, query: Iterable[tuple[int, float]], within: tuple[int, int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scores of the passages that contain at least one query term.

        ``query`` is (term id, weight) pairs; a weight of 1 per occurrence reproduces
        rank-bm25's ``get_scores`` for the same token list. Returns (ordinals, scores).
        """
        totals = np.zeros(self.size)
        matched = np.zeros(self.size, dtype=bool)
        constant = 0.0
        for term_id, weight in query:
            lo, hi = self.indptr[term_id], self.indptr[term_id + 1]
            ids = self.postings[lo:hi]
            totals[ids] += self.weights[lo:hi] if weight == 1.0 else weight * self.weights[lo:hi]
            matched[ids] = True
            constant += weight * self.base[term_id]
        if within is not None:
            matched[: within[0]] = False
            matched[within[1] :] = False
        ordinals = np.flatnonzero(matched)
        return ordinals, totals[ordinals] + constant

    def search(self, query: Iterable[tuple[int, float]], k: int, within: tuple[int, int] | None = None) -> list[Hit]:
        """The ``k`` best passages sharing a term with the query, best first, ties by position."""
        ordinals, scores = self.score(query, within)
        return [Hit(int(o), float(s)) for o, s in top_k(ordinals, scores, k)]

    def score_concepts(
        self, concepts: Sequence[Sequence[tuple[Sequence[int], float]]], within: tuple[int, int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scores when each question word may be written several ways.

        A concept is a list of (terms, factor) forms; a form with several terms is a phrase
        (united + nations). A form scores ``factor`` times the mean of its terms' BM25
        scores, and a concept the best of its forms (a disjunction-max), so a word with many
        spellings or expansions still counts once. A concept with one single-term form of
        factor 1 scores exactly as in ``score``.
        """
        totals = np.zeros(self.size)
        matched = np.zeros(self.size, dtype=bool)
        for forms in concepts:
            if len(forms) == 1 and len(forms[0][0]) == 1 and forms[0][1] == 1.0:
                term_id = forms[0][0][0]
                lo, hi = self.indptr[term_id], self.indptr[term_id + 1]
                ids = self.postings[lo:hi]
                totals[ids] += self.weights[lo:hi]
                matched[ids] = True
                totals += self.base[term_id]
                continue
            best = np.zeros(self.size)
            for terms, factor in forms:
                share = factor / len(terms)
                partial = np.zeros(self.size)
                for term_id in terms:
                    lo, hi = self.indptr[term_id], self.indptr[term_id + 1]
                    ids = self.postings[lo:hi]
                    partial[ids] += share * self.weights[lo:hi]
                    matched[ids] = True
                    partial += share * self.base[term_id]
                np.maximum(best, partial, out=best)
            totals += best
        if within is not None:
            matched[: within[0]] = False
            matched[within[1] :] = False
        ordinals = np.flatnonzero(matched)
        return ordinals, totals[ordinals]

    def term_ids(self, terms: Iterable[str]) -> list[tuple[int, float]]:
        """(term id, 1.0) for each known term, repeats kept, unknown terms dropped."""
        return [(self.vocab[t], 1.0) for t in terms if t in self.vocab]

    def corpus_tokens(self) -> list[list[str]]:
        """Each passage's terms as a token list (order lost): what rank-bm25 needs as a reference."""
        corpus: list[list[str]] = []
        for bundle in self.bundles:
            for i in range(len(bundle.offsets) - 1):
                corpus.append([t for t, c in bundle.passage_terms(i) for _ in range(c)])
        return corpus


def top_k(ordinals: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Deterministic top-k: highest score first, then lowest ordinal; exact under ties."""
    if k <= 0 or len(ordinals) == 0:
        return []
    if len(ordinals) > k:
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        keep = scores >= kth
        ordinals, scores = ordinals[keep], scores[keep]
    order = np.lexsort((ordinals, -scores))[:k]
    return [(int(ordinals[i]), float(scores[i])) for i in order]


def _weights(
    params: Bm25Params, idf: np.ndarray, tid: np.ndarray, tf: np.ndarray, dl: np.ndarray, avgdl: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per-(term, passage) contributions written exactly as rank-bm25 computes them.

    BM25+ gives every passage ``idf * delta`` per query term, matched or not; that constant
    is kept apart in ``base`` and added back at query time, so postings stay sparse.
    """
    k1, b = params.k1, params.b
    term_idf = idf[tid]
    if len(tf) == 0:
        return np.zeros(0), np.zeros(len(idf))
    if params.variant == "okapi":
        weights = term_idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)))
        return weights, np.zeros(len(idf))
    delta = params.resolved_delta
    if params.variant == "l":
        ctd = tf / (1 - b + b * dl / avgdl)
        weights = term_idf * tf * (k1 + 1) * (ctd + delta) / (k1 + ctd + delta)
        return weights, np.zeros(len(idf))
    weights = term_idf * ((tf * (k1 + 1)) / (k1 * (1 - b + b * dl / avgdl) + tf))
    return weights, idf * delta
