"""Passages -> a BM25 index whose scores are rank-bm25's, computed only where they can matter.

rank-bm25 scores a question by looping in Python over every passage for every term, which
costs a quarter of a second at 100,000 passages. This index keeps, for each term, the
passages that contain it and that term's exact rank-bm25 contribution to each of them (a
compressed sparse column matrix in three numpy arrays). Answering a question is then a sum
over the few columns of the question's terms, so only passages that share a term with the
question are ever touched. The IDF is computed by rank-bm25's own ``_calc_idf`` so the floor
and edge cases are the library's, and ``tests/search/test_index.py`` proves on seeded random
corpora that scores equal ``get_scores`` to 1e-9 with the same top-k.

Tokenizing is the expensive part of indexing, so each document's term counts live in a
``TermBundle`` that is reused for as long as the file's bytes do not change.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, overload

import numpy as np
import rank_bm25

from bot.knowledge.documents import Document
from bot.knowledge.passages import (
    LABEL_CHARS,
    Layout,
    Passage,
    about_labels,
    about_text,
    heading_depth,
    is_label_text,
    is_lead_in,
    is_list_item,
    layout_document,
    passage_at,
)
from bot.search.tokenizer import Analyzer

# How many items of one list the walk back to its lead-in passes at most.
_LIST_ITEMS = 26

__all__ = [
    "INDEX_VERSION",
    "Bm25Params",
    "Hit",
    "Index",
    "PassageView",
    "TermBundle",
    "analyze_document",
    "first_passages",
    "local_passage_counts",
    "passage_counts",
    "top_k",
]

# Bump when anything that changes stored terms or weights changes (analyzer, passages, BM25).
INDEX_VERSION = 3  # 3: a lone letter before a number no longer ends a sentence
# Memory allowed for frequent terms kept as full columns (see ``Index.dense``).
DENSE_BUDGET_BYTES = 64 * 1024 * 1024

Variant = Literal["okapi", "l", "plus"]
Entries = tuple[np.ndarray, np.ndarray, np.ndarray]


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


@dataclass(frozen=True, eq=False)
class TermBundle:
    """One document's term counts per sentence ("unit"), independent of every other document.

    Units are the sentences of ``Layout`` in order (the about passage's units carry their
    field labels too). The index sums them per passage; summaries and quote selection use
    them per sentence, so a document is tokenized exactly once.
    """

    terms: tuple[str, ...]  # local vocabulary
    unit_ptr: np.ndarray  # int64, units + 1, into term_ids / counts
    term_ids: np.ndarray  # int32 ids into ``terms``
    counts: np.ndarray  # int32 term frequency in the unit

    @property
    def units(self) -> int:
        """Number of sentences covered."""
        return len(self.unit_ptr) - 1


def analyze_document(document: Document, analyzer: Analyzer) -> tuple[Layout, TermBundle]:
    """Lay a document out and tokenize each of its sentences once (the costly step of indexing)."""
    layout = layout_document(document)
    about_source = about_text(document.meta)
    labels = about_labels(document.meta)
    body = document.body
    about_units = int(layout.sentence_ptr[1])
    starts, ends = layout.sentence_starts.tolist(), layout.sentence_ends.tolist()
    texts = [about_source[starts[u] : ends[u]] + "\n" + labels[u] for u in range(about_units)]
    texts += [body[lo:hi] for lo, hi in zip(starts[about_units:], ends[about_units:], strict=True)]
    tokens, lengths = analyzer.terms_many(texts)
    unique = dict.fromkeys(tokens)  # first-seen order, at C speed
    local = dict(zip(unique, range(len(unique)), strict=True))
    ids = np.fromiter(map(local.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    units = len(texts)
    unit_of_token = np.repeat(np.arange(units, dtype=np.int64), lengths)
    keys, counts = np.unique(unit_of_token * max(len(local), 1) + ids, return_counts=True)
    unit_ptr = np.zeros(units + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys // max(len(local), 1), minlength=units), out=unit_ptr[1:])
    bundle = TermBundle(
        terms=tuple(local),
        unit_ptr=unit_ptr,
        term_ids=(keys % max(len(local), 1)).astype(np.int32),
        counts=counts.astype(np.int32),
    )
    return layout, bundle


@dataclass(frozen=True, slots=True)
class Hit:
    """A ranked passage: its position in the index and its BM25 score."""

    ordinal: int
    score: float


class PassageView(Sequence[Passage]):
    """All passages of the index as a sequence, made into objects only when read."""

    def __init__(self, documents: Sequence[Document], layouts: Sequence[Layout], first: np.ndarray) -> None:
        self._documents = documents
        self._layouts = layouts
        self._first = first
        self._size = int(first[-1]) if len(first) else 0
        self._about: dict[int, tuple[str, tuple[str, ...]]] = {}

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, i: int) -> Passage: ...

    @overload
    def __getitem__(self, i: slice) -> list[Passage]: ...

    def __getitem__(self, i: int | slice) -> Passage | list[Passage]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._size))]
        if i < 0:
            i += self._size
        if not 0 <= i < self._size:
            raise IndexError(i)
        d = int(np.searchsorted(self._first, i, side="right")) - 1
        document, layout = self._documents[d], self._layouts[d]
        j = i - int(self._first[d])
        about = None
        if j == 0:
            about = self._about.get(d)
            if about is None:
                about = self._about[d] = (about_text(document.meta), about_labels(document.meta))
        return passage_at(document, layout, j, about)

    def __iter__(self) -> Iterator[Passage]:
        for i in range(self._size):
            yield self[i]


def _folded(text: str) -> str:
    """Letters and digits only, case folded: "VIM LICENSE" and "Vim License" are one title."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


@dataclass(frozen=True, eq=False)
class Index:
    """Immutable search structure over all passages of all documents."""

    params: Bm25Params
    documents: tuple[Document, ...]
    layouts: tuple[Layout, ...]
    bundles: tuple[TermBundle, ...] = field(repr=False)
    first: np.ndarray  # int64, documents + 1: ordinal of each document's first passage
    local_to_global: tuple[np.ndarray, ...] = field(repr=False)  # per document: local term id -> term id
    # per document: (passage, term id, count), kept so a reload re-merges only what changed;
    # empty when the index came from the cache (then computed on the first reload)
    passage_counts: tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...] = field(repr=False)
    all_terms: dict[str, int] = field(repr=False)  # every term id, including ones no passage uses now
    vocab: dict[str, int] = field(repr=False)  # terms some passage uses -> term id
    idf: np.ndarray = field(repr=False)
    indptr: np.ndarray = field(repr=False)
    postings: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    base: np.ndarray = field(repr=False)
    doc_len: np.ndarray = field(repr=False)
    avgdl: float

    @functools.cached_property
    def passages(self) -> PassageView:
        """Every passage, in ordinal order."""
        return PassageView(self.documents, self.layouts, self.first)

    @functools.cached_property
    def doc_ranges(self) -> dict[str, tuple[int, int]]:
        """Each document's passage ordinals, as a half-open range."""
        first = self.first.tolist()
        return {d.doc_id: (first[i], first[i + 1]) for i, d in enumerate(self.documents)}

    @functools.cached_property
    def by_id(self) -> dict[str, Document]:
        """Documents by id."""
        return {d.doc_id: d for d in self.documents}

    @functools.cached_property
    def labels(self) -> np.ndarray:
        """Which passages only name what follows (``is_label_text``), read from the short ones' text."""
        mask = np.zeros(int(self.first[-1]) if len(self.first) else 0, dtype=bool)
        for d, (document, layout) in enumerate(zip(self.documents, self.layouts, strict=True)):
            starts, ends = layout.starts, layout.ends
            short = np.flatnonzero((ends - starts <= LABEL_CHARS) & (layout.paragraphs > 0))
            body, first = document.body, int(self.first[d])
            for j in short.tolist():
                mask[first + j] = is_label_text(body[int(starts[j]) : int(ends[j])])
        mask.setflags(write=False)
        return mask

    @functools.cached_property
    def title_lines(self) -> np.ndarray:
        """Which labels only repeat their document's title (a licence's first line: "PostgreSQL License").

        Such a line names the document, not the clause after it: the naming rule matches the
        name, and the front matter answers "what is it called".
        """
        mask = np.zeros_like(self.labels)
        ordinals = np.flatnonzero(self.labels)
        for ordinal, d in zip(ordinals.tolist(), self.positions(ordinals).tolist(), strict=True):
            mask[ordinal] = _folded(self.passages[ordinal].text) == _folded(self.documents[d].meta.title)
        mask.setflags(write=False)
        return mask

    @functools.cached_property
    def sections(self) -> np.ndarray:
        """Each passage's innermost enclosing label (its section heading), -1 for none.

        A label numbered "7." opens a section that runs to the next label numbered at its
        depth or above ("8."); "7.1." opens one inside it; an unnumbered label ("Preamble",
        "TERMS AND CONDITIONS") closes them all; a lead-in ("3.2 When the Program is
        Distributed as Source Code:") is no heading. A label's own entry is the label around it.
        """
        inner = np.full(self.size, -1, dtype=np.int64)
        texts = {o: self.passages[o].text for o in np.flatnonzero(self.labels).tolist()}
        # A lead-in ('"Contribution" means:') names only its list, which reads it as ``lead_in``.
        labels = np.array([o for o, text in texts.items() if not is_lead_in(text)], dtype=np.int64)
        documents = self.positions(labels)
        for d in np.unique(documents).tolist():  # documents without labels stay -1, untouched
            stack: list[tuple[int, int]] = []  # (depth, label ordinal), outermost first
            after = int(self.first[d])
            for ordinal in labels[documents == d].tolist():
                inner[after:ordinal] = stack[-1][1] if stack else -1
                depth = heading_depth(texts[ordinal])
                stack = [entry for entry in stack if 0 < entry[0] < depth] if depth else []
                inner[ordinal] = stack[-1][1] if stack else -1
                stack.append((depth, ordinal))
                after = ordinal + 1
            inner[after : int(self.first[d + 1])] = stack[-1][1]
        inner.setflags(write=False)
        return inner

    def context_terms(self, ordinal: int) -> frozenset[int]:
        """The term ids of the section headings around a passage: its context, as a title is a document's.

        A list item's context also holds the sentence that introduced its list ("You may
        convey … provided that you meet all of these conditions:"): "b) a copy of this
        Agreement must be included" never repeats that it is about distributing source code.
        """
        found = self._contexts.get(ordinal)
        if found is None:
            terms: set[int] = set()
            label = int(self.sections[ordinal])
            while label >= 0:
                terms.update(*self.unit_terms(label))
                label = int(self.sections[label])
            lead = self.lead_in(ordinal)
            if lead >= 0:
                terms.update(self.unit_terms(lead)[-1])
            found = self._contexts[ordinal] = frozenset(terms)
        return found

    def lead_in(self, ordinal: int) -> int:
        """The passage whose closing colon introduces the list this item belongs to, -1 for none.

        Walks back over the list's other items (at most ``_LIST_ITEMS``), never past a label
        or the start of the document.
        """
        passage = self.passages[ordinal]
        if passage.is_about or not is_list_item(passage.text):
            return -1
        first = self.doc_ranges[passage.doc_id][0]
        labels = self.labels
        for before in range(ordinal - 1, max(first, ordinal - _LIST_ITEMS) - 1, -1):
            previous = self.passages[before]
            if previous.is_about:
                return -1
            if is_lead_in(previous.text):  # a nested list's lead-in may be an item itself, or a label
                return before
            if labels[before] or not is_list_item(previous.text):
                return -1
        return -1

    @functools.cached_property
    def _contexts(self) -> dict[int, frozenset[int]]:
        return {}

    @classmethod
    def build(
        cls,
        documents: Sequence[Document],
        layouts: Sequence[Layout],
        bundles: Sequence[TermBundle],
        params: Bm25Params | None = None,
        previous: Index | None = None,
        local_counts: Sequence[Entries | None] | None = None,
    ) -> Index:
        """Merge per-document term counts into global BM25 weights (no tokenizing happens here).

        With ``previous`` (the index being replaced by a reload), term ids are kept and each
        unchanged document's term map and per-passage counts are reused, so only the changed
        documents are merged again before the global sort. Ids of terms no document uses any
        more stay reserved until they are over half of the id space, then ids are renumbered.
        """
        params = params or Bm25Params()
        if previous is not None and len(previous.vocab) * 2 < len(previous.all_terms):
            previous = None
        reusable = {}
        if previous is not None:
            all_terms = dict(previous.all_terms)
            known = previous.passage_counts or (None,) * len(previous.bundles)
            reusable = {
                id(bundle): (layout, mapping, counts)
                for layout, bundle, mapping, counts in zip(
                    previous.layouts, previous.bundles, previous.local_to_global, known, strict=True
                )
            }
            fresh = {id(b.terms): b.terms for b in bundles if id(b) not in reusable}
            for term in itertools.chain.from_iterable(fresh.values()):
                if term not in all_terms:
                    all_terms[term] = len(all_terms)
        else:
            # Term ids in first-seen order, built at C speed (millions of local terms). Each
            # vocabulary is merged once, even when several documents share it.
            distinct = {id(bundle.terms): bundle.terms for bundle in bundles}
            seen = dict.fromkeys(itertools.chain.from_iterable(distinct.values()))
            all_terms = dict(zip(seen, range(len(seen)), strict=True))
        lookup = all_terms.__getitem__
        first = first_passages(layouts)
        n = int(first[-1])
        maps: list[np.ndarray] = []
        counts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        local_counts = local_counts or [None] * len(bundles)
        mappings: dict[int, np.ndarray] = {}  # one per distinct vocabulary
        for layout, bundle, local in zip(layouts, bundles, local_counts, strict=True):
            if id(bundle) in reusable:
                _, mapping, entries = reusable[id(bundle)]
                entries = entries or passage_counts(layout, bundle, mapping)
            else:
                mapping = mappings.get(id(bundle.terms))
                if mapping is None:
                    terms = bundle.terms
                    mapping = mappings[id(terms)] = np.fromiter(map(lookup, terms), dtype=np.int32, count=len(terms))
                entries = passage_counts(layout, bundle, mapping, local)
            maps.append(mapping)
            counts.append(entries)
        size = len(all_terms)
        if counts:
            pid = np.concatenate([c[0].astype(np.int64) + first[d] for d, c in enumerate(counts)]).astype(np.int32)
            tid = np.concatenate([c[1] for c in counts])
            tf = np.concatenate([c[2] for c in counts])
        else:
            pid, tid, tf = np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int32)
        tid, pid, tf = _sort_by_term(tid, pid, tf, max(n, 1))
        doc_len = np.bincount(pid, weights=tf, minlength=n).astype(np.float64)
        df = np.bincount(tid, minlength=size)
        indptr = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])

        # IDF over the terms in use: exactly rank-bm25's, which never sees the others.
        live = np.flatnonzero(df)
        names = list(all_terms)
        vocab = {names[i]: int(i) for i in live}
        idf_by_term = params.idf(n, {names[i]: int(df[i]) for i in live})
        idf = np.zeros(size, dtype=np.float64)
        idf[live] = np.fromiter((idf_by_term[names[i]] for i in live), dtype=np.float64, count=len(live))
        avgdl = float(doc_len.sum() / n) if n else 0.0
        weights, base = _weights(params, idf, tid, tf, doc_len[pid] if n else np.zeros(0), avgdl)
        del tid, tf
        return cls(
            params=params,
            documents=tuple(documents),
            layouts=tuple(layouts),
            bundles=tuple(bundles),
            first=first,
            local_to_global=tuple(maps),
            passage_counts=tuple(counts),
            all_terms=all_terms,
            vocab=vocab,
            idf=idf,
            indptr=indptr,
            postings=pid,
            weights=weights,
            base=base,
            doc_len=doc_len,
            avgdl=avgdl,
        )

    @functools.cached_property
    def terms(self) -> tuple[str, ...]:
        """Every term by term id (the inverse of ``all_terms``), made on first use."""
        return tuple(self.all_terms)

    def position(self, doc_id: str) -> int:
        """Index of a document in ``documents``."""
        return int(np.searchsorted(self.first, self.doc_ranges[doc_id][0], side="right")) - 1

    def locate(self, ordinal: int) -> tuple[int, int]:
        """(document index, passage index inside the document) of a passage ordinal."""
        d = int(np.searchsorted(self.first, ordinal, side="right")) - 1
        return d, ordinal - int(self.first[d])

    def positions(self, ordinals: np.ndarray) -> np.ndarray:
        """``locate``'s document index for many passage ordinals at once."""
        return np.searchsorted(self.first, ordinals, side="right") - 1

    def unit_terms(self, ordinal: int) -> list[set[int]]:
        """Index term ids of each sentence of a passage (from the stored counts, no tokenizing)."""
        ids, lengths = self._sentence_ids(ordinal)
        flat, bounds = ids.tolist(), [0, *itertools.accumulate(lengths.tolist())]
        return [set(flat[lo:hi]) for lo, hi in itertools.pairwise(bounds)]

    def _sentence_ids(self, ordinal: int) -> tuple[np.ndarray, np.ndarray]:
        """A passage's sentences' term ids, flat and global, and each sentence's count of them."""
        d, j = self.locate(ordinal)
        layout, bundle = self.layouts[d], self.bundles[d]
        first, last = int(layout.sentence_ptr[j]), int(layout.sentence_ptr[j + 1])
        bounds = bundle.unit_ptr[first : last + 1]
        return self.local_to_global[d][bundle.term_ids[int(bounds[0]) : int(bounds[-1])]], np.diff(bounds)

    def sentence_terms(self, ordinals: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The term ids of every sentence of ``ordinals``, flat: (ids, terms per sentence, sentences per passage).

        One array for many passages, so the semantic layer can test the question's words
        against all its candidate sentences at once instead of set by set.
        """
        parts = [self._sentence_ids(ordinal) for ordinal in ordinals]
        counts = np.array([len(lengths) for _, lengths in parts], dtype=np.int64)
        if not parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), counts
        ids = np.concatenate([ids for ids, _ in parts]).astype(np.int64)
        return ids, np.concatenate([lengths for _, lengths in parts]).astype(np.int64), counts

    @property
    def size(self) -> int:
        """Number of passages."""
        return len(self.passages)

    def doc_freq(self, term_id: int) -> int:
        """How many passages contain the term."""
        return int(self.indptr[term_id + 1] - self.indptr[term_id])

    def column(self, term_id: int) -> tuple[np.ndarray, np.ndarray]:
        """The passages containing a term (ascending) and the term's weight in each."""
        lo, hi = int(self.indptr[term_id]), int(self.indptr[term_id + 1])
        return self.postings[lo:hi], self.weights[lo:hi]

    def lookup(self, term_id: int, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For candidate passages (any order): which contain the term, and its weight there (0 if not).

        A binary search in the term's postings: cheap for a few candidates even when the
        term is in most passages.
        """
        postings, weights = self.column(term_id)
        if not len(postings):
            return np.zeros(len(candidates), dtype=bool), np.zeros(len(candidates))
        at = np.minimum(np.searchsorted(postings, candidates), len(postings) - 1)
        found = postings[at] == candidates
        return found, np.where(found, weights[at], 0.0)

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
            ids, weights = self.column(term_id)
            totals[ids] += weights if weight == 1.0 else weight * weights
            matched[ids] = True
            constant += weight * self.base[term_id]
        ordinals = np.flatnonzero(_restrict(matched, within))
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
        dense = self.dense
        for forms in concepts:
            if len(forms) == 1 and len(forms[0][0]) == 1 and forms[0][1] == 1.0:
                term_id = forms[0][0][0]
                if term_id in dense:
                    column, present = dense[term_id]
                    totals += column  # adding 0.0 where absent: the same sums as the sparse path
                    matched |= present
                else:
                    ids, weights = self.column(term_id)
                    totals[ids] += weights
                    matched[ids] = True
                totals += self.base[term_id]
                continue
            best = np.zeros(self.size)
            for terms, factor in forms:
                share = factor / len(terms)
                partial = np.zeros(self.size)
                for term_id in terms:
                    if term_id in dense:
                        column, present = dense[term_id]
                        partial += share * column
                        matched |= present
                    else:
                        ids, weights = self.column(term_id)
                        partial[ids] += share * weights
                        matched[ids] = True
                    partial += share * self.base[term_id]
                np.maximum(best, partial, out=best)
            totals += best
        ordinals = np.flatnonzero(_restrict(matched, within))
        return ordinals, totals[ordinals]

    @functools.cached_property
    def dense(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """The most frequent terms as full columns: (weight per passage, presence per passage).

        A term in most passages is cheaper to add as one contiguous array than to scatter
        through its postings, and to look up by position than by binary search. Only terms
        in at least an eighth of the passages qualify, within a fixed memory budget.
        """
        if not self.size:
            return {}
        df = np.diff(self.indptr)
        frequent = np.flatnonzero(df * 8 >= self.size)
        budget = max(1, DENSE_BUDGET_BYTES // (9 * self.size))
        columns = {}
        for term_id in frequent[np.argsort(-df[frequent], kind="stable")][:budget].tolist():
            ids, weights = self.column(term_id)
            column = np.zeros(self.size)
            present = np.zeros(self.size, dtype=bool)
            column[ids] = weights
            present[ids] = True
            columns[term_id] = (column, present)
        return columns

    @functools.cached_property
    def max_weight(self) -> np.ndarray:
        """Each term's largest contribution to any passage (0 for unused term ids)."""
        maxima = np.zeros(len(self.indptr) - 1)
        used = np.flatnonzero(np.diff(self.indptr))
        if len(used):
            maxima[used] = np.maximum.reduceat(self.weights, self.indptr[used])
        return maxima

    def top_concepts(
        self, concepts: Sequence[Sequence[tuple[Sequence[int], float]]], k: int, within: tuple[int, int] | None = None
    ) -> list[tuple[int, float]]:
        """``top_k(*score_concepts(concepts, within), k)``, without scoring every passage.

        MaxScore (Turtle & Flood, 1995): a concept can raise a passage's score above what a
        passage without it gets by at most a known bound (from each term's largest weight).
        Passages containing a term of the rarest concepts are scored exactly; once the k-th
        best of them beats everything the remaining concepts could add to any other passage,
        no other passage can enter the top k, and the common terms' long postings are only
        probed by binary search for the candidates. Scores are summed in the same order as
        ``score_concepts``, so they are the same floating-point numbers.
        """
        if k <= 0 or not concepts:
            return []
        sizes, gains = [], []
        floor = 0.0  # what every passage gets from the concepts without containing their terms
        for forms in concepts:
            least = max(f * sum(float(self.base[t]) for t in terms) / len(terms) for terms, f in forms)
            most = max(
                f * sum(float(self.max_weight[t] + self.base[t]) for t in terms) / len(terms) for terms, f in forms
            )
            floor += least
            gains.append(most - least)
            sizes.append(sum(self.doc_freq(t) for terms, _ in forms for t in terms))
        order = sorted(range(len(concepts)), key=lambda i: sizes[i])
        remaining = [0.0] * (len(order) + 1)  # the most that concepts order[m:] can add
        for m in range(len(order) - 1, -1, -1):
            remaining[m] = remaining[m + 1] + gains[order[m]]
        # One try with the rarest concept alone, the case that pays (a rare word among common
        # ones); otherwise score everything, which is cheaper than probing most of the index.
        chosen = {t for terms, _ in concepts[order[0]] for t in terms}
        candidates = self._union(chosen, within)
        if len(order) > 1 and 0 < len(candidates) * 4 <= self.size:
            best = top_k(candidates, self._score_candidates(concepts, candidates), k)
            bound = floor + remaining[1]
            if len(best) == k and best[-1][1] > bound + 1e-9 * (1.0 + abs(bound)):
                return best
        return top_k(*self.score_concepts(concepts, within), k)

    def _union(self, term_ids: set[int], within: tuple[int, int] | None) -> np.ndarray:
        """Passages containing any of the terms, ascending."""
        mask = np.zeros(self.size, dtype=bool)
        for t in term_ids:
            mask[self.column(t)[0]] = True
        return np.flatnonzero(_restrict(mask, within))

    def _contribution(self, term_id: int, candidates: np.ndarray) -> np.ndarray:
        """The term's weight in each candidate passage (0 where absent), by binary search."""
        if term_id in self.dense:
            return self.dense[term_id][0][candidates]
        return self.lookup(term_id, candidates)[1]

    def _score_candidates(
        self, concepts: Sequence[Sequence[tuple[Sequence[int], float]]], candidates: np.ndarray
    ) -> np.ndarray:
        """Exactly ``score_concepts``' arithmetic, restricted to the candidates."""
        totals = np.zeros(len(candidates))
        for forms in concepts:
            if len(forms) == 1 and len(forms[0][0]) == 1 and forms[0][1] == 1.0:
                term_id = forms[0][0][0]
                totals += self._contribution(term_id, candidates)
                totals += self.base[term_id]
                continue
            best = np.zeros(len(candidates))
            for terms, factor in forms:
                share = factor / len(terms)
                partial = np.zeros(len(candidates))
                for term_id in terms:
                    partial += share * self._contribution(term_id, candidates)
                    partial += share * self.base[term_id]
                np.maximum(best, partial, out=best)
            totals += best
        return totals

    def term_ids(self, terms: Iterable[str]) -> list[tuple[int, float]]:
        """(term id, 1.0) for each known term, repeats kept, unknown terms dropped."""
        return [(self.vocab[t], 1.0) for t in terms if t in self.vocab]

    def corpus_tokens(self) -> list[list[str]]:
        """Each passage's terms as a token list (order lost): what rank-bm25 needs as a reference."""
        corpus: list[list[str]] = []
        for layout, bundle in zip(self.layouts, self.bundles, strict=True):
            for j in range(layout.size):
                tokens: list[str] = []
                for u in range(int(layout.sentence_ptr[j]), int(layout.sentence_ptr[j + 1])):
                    lo, hi = int(bundle.unit_ptr[u]), int(bundle.unit_ptr[u + 1])
                    for t, c in zip(bundle.term_ids[lo:hi].tolist(), bundle.counts[lo:hi].tolist(), strict=True):
                        tokens.extend([bundle.terms[t]] * c)
                corpus.append(tokens)
        return corpus


def first_passages(layouts: Sequence[Layout]) -> np.ndarray:
    """The ordinal of each document's first passage, and the total count last."""
    first = np.zeros(len(layouts) + 1, dtype=np.int64)
    np.cumsum([layout.size for layout in layouts], out=first[1:])
    return first


def _restrict(mask: np.ndarray, within: tuple[int, int] | None) -> np.ndarray:
    """Clear a per-passage mask outside ``within`` (one document's passage range), in place."""
    if within is not None:
        mask[: within[0]] = False
        mask[within[1] :] = False
    return mask


def local_passage_counts(layout: Layout, bundle: TermBundle) -> Entries:
    """A document's (passage, local term id, count) entries: sentence counts summed per passage.

    Depends on the document alone, so it is computed where the document is tokenized.
    """
    width = max(len(bundle.terms), 1)
    unit_passage = np.repeat(np.arange(layout.size, dtype=np.int64), np.diff(layout.sentence_ptr))
    entry_passage = np.repeat(unit_passage, np.diff(bundle.unit_ptr))
    keys, inverse = np.unique(entry_passage * width + bundle.term_ids, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=bundle.counts, minlength=len(keys)).astype(np.int32)
    return (keys // width).astype(np.int32), (keys % width).astype(np.int32), counts


def passage_counts(layout: Layout, bundle: TermBundle, mapping: np.ndarray, local: Entries | None = None) -> Entries:
    """A document's (passage, term id, count) entries, with term ids of the whole index."""
    passage, term, count = local if local is not None else local_passage_counts(layout, bundle)
    return passage, mapping[term], count


def _sort_by_term(
    tid: np.ndarray, pid: np.ndarray, tf: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries sorted by (term, passage), each pair being unique.

    Sorting values in place is several times faster than ``argsort`` on millions of
    entries and needs no index array, so the count rides along in the low digits of the
    key when the key fits in 63 bits.
    """
    if len(tid) == 0:
        return tid.astype(np.int64), pid.astype(np.int32), tf.astype(np.float64)
    width = int(tf.max()) + 1
    if (int(tid.max()) + 1) * n * width < 2**62:
        key = tid.astype(np.int64)
        key *= n
        key += pid
        key *= width
        key += tf
        key.sort()
        counts = (key % width).astype(np.float64)
        key //= width
        postings = (key % n).astype(np.int32)
        key //= n
        return key, postings, counts
    order = np.argsort(tid.astype(np.int64) * n + pid, kind="stable")  # pragma: no cover - astronomical sizes
    return tid[order].astype(np.int64), pid[order].astype(np.int32), tf[order].astype(np.float64)


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
    is kept apart in ``base`` and added back at query time, so postings stay sparse. The
    expressions keep rank-bm25's order of operations (so scores agree to the last bits);
    temporaries are reused because there are millions of entries.
    """
    k1, b = params.k1, params.b
    if len(tf) == 0:
        return np.zeros(0), np.zeros(len(idf))
    # norm = 1 - b + b * dl / avgdl, computed in place in ``dl``'s copy
    norm = dl * b
    norm /= avgdl
    norm += 1 - b
    if params.variant == "okapi":
        # idf * (tf * (k1 + 1) / (tf + k1 * norm))
        norm *= k1
        norm += tf
        weights = tf * (k1 + 1)
        weights /= norm
        weights *= idf[tid]
        return weights, np.zeros(len(idf))
    delta = params.resolved_delta
    if params.variant == "l":
        # ctd = tf / norm; idf * tf * (k1 + 1) * (ctd + delta) / (k1 + ctd + delta)
        ctd = np.divide(tf, norm)
        weights = idf[tid] * tf
        weights *= k1 + 1
        weights *= ctd + delta
        ctd += k1 + delta
        weights /= ctd
        return weights, np.zeros(len(idf))
    # plus: idf * ((tf * (k1 + 1)) / (k1 * norm + tf)), and idf * delta kept apart
    norm *= k1
    norm += tf
    weights = tf * (k1 + 1)
    weights /= norm
    weights *= idf[tid]
    return weights, idf * delta
