"""Extractive summaries: the document's own sentences, chosen to represent all of it, in order.

A summary should follow the whole argument, not repeat its opening. The document's
content is its paragraphs (each worth its number of distinct terms), and a sentence covers
a paragraph as much as their TF-IDF vectors are alike (facility location, Lin & Bilmes
2011: each paragraph counts as covered by the chosen sentence most like it). Each greedy
pick is the sentence whose addition is worth most: its relevance to what the document is
about (MEAD's centroid and lead overlap, Radev et al. 2004, and overlap with the title)
times the share of its coverage that is new, times how much of the document it covers at
all (informativeness), with a small bonus for a paragraph's first sentence, where writers
state a paragraph's point. Once a part of the argument is represented, sentences like it
are worth little, so the next pick comes from a part not yet covered; a diversity reward
over sections of about six paragraphs keeps a long document spanned.

Structure: the first three picks are one from the opening, one from the middle and one
from the closing (the first and last tenth of the paragraphs), chosen without the
position prior, so three sentences give the thesis, the argument and the conclusion. Then
a mild prior for early sentences weighs in, which keeps a news report's lead, where the
story is told first. Two picks never say the same thing (TF-IDF cosine, most of the
shorter one's terms in the other, or sentence-vector cosine when vectors are known).

Sentence vectors were measured as a coverage similarity and as a centrality signal: on
our sets they did not help, so by default they only catch paraphrased duplicates and find
topics by meaning. ``bench/eval_summary.py`` compares the method, with and without
vectors, with the former MEAD-style method, Lead-N and random picks.

A topic weights the content to cover by its relevance to the topic (the topic's words,
read the way questions are, and its meaning when vectors are given) and picks only
relevant sentences, the most relevant first (no parts reserved); a topic the document
does not cover is declined exactly as ``/ask`` declines.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np

from bot.knowledge.documents import Document
from bot.knowledge.passages import Layout
from bot.search.answer import Status, answer_question
from bot.search.index import Index, TermBundle
from bot.search.query import read_question
from bot.search.spelling import Speller
from bot.search.tokenizer import Analyzer
from bot.search.vectors import Encode, VectorTable

__all__ = [
    "DEFAULT_SENTENCES",
    "MAX_SENTENCES",
    "SUMMARY_VERSION",
    "Summary",
    "SummarySentence",
    "SummaryStatus",
    "rank_sentences",
    "summarize",
]

# Part of the index cache's settings: a cached ranking made by another method is not reused.
SUMMARY_VERSION = 3  # 3: opening, middle and closing first; title, topic sentences, containment
DEFAULT_SENTENCES = 5
MAX_SENTENCES = 10
MIN_WORDS = 6
# Relevance: cosine with the document's centroid plus this times overlap with its lead.
LEAD_WEIGHT = 0.5
# Prior for early sentences: a pick's value is multiplied by 1 + POSITION_WEIGHT * (1 - position).
POSITION_WEIGHT = 0.6
# Relevance also counts this times the cosine with the title (what the piece says it is about).
TITLE_WEIGHT = 0.3
# A paragraph's first sentence (its topic sentence) is worth this much more.
OPENER_WEIGHT = 0.2
# The opening and the closing part: this share of the paragraphs at each end (at least
# one paragraph each). In a document of at least PARTS_MIN_PARAGRAPHS paragraphs the
# first three picks are one from the opening, one from the middle, one from the closing.
EDGE_SHARE = 0.1
PARTS_MIN_PARAGRAPHS = 3
# Diversity reward over sections of about PARAGRAPHS_PER_SECTION consecutive paragraphs.
SPREAD_WEIGHT = 0.6
PARAGRAPHS_PER_SECTION = 6.0
# Share of sentence-vector cosine in the coverage similarity when vectors are given (the
# rest is TF-IDF). 0: measured lower coverage at 0.3 and 0.5 (bench/eval_summary.py).
SEMANTIC_WEIGHT = 0.0
# Sentence-vector cosines below this mean little in common (sentences of one document
# share a topic and score about 0.2-0.5); above it the cosine is rescaled to 0-1.
SEMANTIC_FLOOR = 0.5
# Two sentences this similar (cosine of TF-IDF, or of sentence vectors) say the same thing.
DUPLICATE_SIMILARITY = 0.6
SEMANTIC_DUPLICATE = 0.9
# ... or this share of the shorter sentence's terms is in the other.
CONTAINED_SHARE = 0.6
# Candidates that may be picked in a long document (the most relevant of each tenth of it);
# every paragraph still counts as content to cover, so the cost grows linearly with length.
POOL_SIZE = 50
POOL_BINS = 10
# A sentence is on a topic when it has the topic's words or, with vectors, this cosine.
TOPIC_SIMILARITY = 0.45
_CLOSERS = "\"'’”)]"
_ENDERS = ".!?…"
_CLOSER_CODES = np.array([ord(ch) for ch in _CLOSERS], dtype=np.uint32)
_ENDER_CODES = np.array([ord(ch) for ch in _ENDERS], dtype=np.uint32)


class SummaryStatus(Enum):
    """Whether a summary could be made."""

    OK = "ok"
    NOT_FOUND = "not_found"
    EMPTY_TOPIC = "empty_topic"
    TOO_LONG = "too_long"
    NO_SENTENCES = "no_sentences"


@dataclass(frozen=True, slots=True)
class SummarySentence:
    """One sentence of a summary: exact text, its ¶ number and offsets into the body."""

    paragraph: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Summary:
    """A document's summary, possibly focused on a topic."""

    document: Document
    topic: str | None
    status: SummaryStatus
    sentences: tuple[SummarySentence, ...]
    elapsed_ms: float = 0.0


@dataclass(frozen=True, eq=False)
class _Candidates:
    """A document's summary-worthy sentences as unit-length sparse TF-IDF rows."""

    body: str
    spans: list[tuple[int, int, int]]  # (paragraph, start, end) of each candidate
    units: np.ndarray  # layout sentence row of each candidate (row of the sentence vectors)
    rows: np.ndarray  # candidate of each entry (ascending)
    cols: np.ndarray  # compact column of each entry
    unit: np.ndarray  # TF-IDF weight of each entry, divided by its row's norm
    norms: np.ndarray  # TF-IDF norm of each candidate
    terms: np.ndarray  # compact column -> local term id
    paragraph_of: np.ndarray  # 0-based paragraph group of each candidate
    opens: np.ndarray  # True where the candidate is its paragraph's first sentence
    title: np.ndarray  # unit TF-IDF of the title over the compact columns (zeros: no title)

    @property
    def paragraph_count(self) -> int:
        """Number of paragraphs that have candidates."""
        return int(self.paragraph_of[-1]) + 1 if len(self.paragraph_of) else 0

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


def _standalone(body: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Which sentences are whole (they end like a sentence) and of at least MIN_WORDS words.

    A sentence may end in closing quotes or brackets after its stop; one that does not
    end like a sentence was cut off.

    One pass over the body's code points in numpy rather than a Python test per sentence:
    at load this runs for every sentence of every document.
    """
    if not len(starts):
        return np.zeros(0, dtype=bool)
    chars = np.frombuffer(body.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    spaces = np.concatenate(([0], np.cumsum(chars == ord(" "))))
    words = spaces[ends] - spaces[starts] + 1
    last = ends - 1
    while True:  # step back over closers: as many rounds as the longest run of them
        closing = (last >= starts) & np.isin(chars[np.maximum(last, 0)], _CLOSER_CODES)
        if not closing.any():
            break
        last = np.where(closing, last - 1, last)
    return (last >= starts) & np.isin(chars[np.maximum(last, 0)], _ENDER_CODES) & (words >= MIN_WORDS)


def _candidates(document: Document, layout: Layout, bundle: TermBundle) -> _Candidates:
    """Body sentences that can stand alone (whole, at least MIN_WORDS words), with TF-IDF rows.

    Term counts come from the document's per-sentence bundle: nothing is tokenized again.
    The IDF is the document's own, over its body sentences (BM25+'s log((S + 1) / df)):
    a summary then depends on nothing but its document, so it never changes when other
    documents do and can be computed in the worker that tokenized the document.
    """
    body = document.body
    ptr = layout.sentence_ptr
    first = int(ptr[1]) if len(ptr) > 1 else 0
    starts = layout.sentence_starts[first:].astype(np.int64)
    ends = layout.sentence_ends[first:].astype(np.int64)
    kept = np.flatnonzero(_standalone(body, starts, ends))
    passage_of = np.repeat(np.arange(layout.size, dtype=np.int64), np.diff(ptr))[first:]
    paragraph_numbers = layout.paragraphs.astype(np.int64)[passage_of[kept]]
    spans = list(zip(paragraph_numbers.tolist(), starts[kept].tolist(), ends[kept].tolist(), strict=True))
    units = (kept + first).tolist()
    body_units = bundle.units - first
    body_terms = bundle.term_ids[int(bundle.unit_ptr[first]) :]
    df = np.bincount(body_terms, minlength=len(bundle.terms))
    idf = np.log((body_units + 1) / np.maximum(df, 1))
    unit_array = np.asarray(units, dtype=np.int64)
    lengths = bundle.unit_ptr[unit_array + 1] - bundle.unit_ptr[unit_array] if units else np.zeros(0, np.int64)
    rows = np.repeat(np.arange(len(units), dtype=np.int64), lengths)
    entry = np.repeat(bundle.unit_ptr[unit_array], lengths) + _ranges(lengths)
    local_ids = bundle.term_ids[entry]
    tf = bundle.counts[entry].astype(np.float64)
    vals = (1.0 + np.log(np.maximum(tf, 1.0))) * idf[local_ids]
    # The document's terms in use, in id order, and each entry's column among them (a
    # bincount rather than np.unique's sort: this runs for every document at load).
    present = np.zeros(len(bundle.terms), dtype=bool)
    present[local_ids] = True
    terms = np.flatnonzero(present)
    cols = (np.cumsum(present) - 1)[local_ids]
    norms = np.sqrt(np.bincount(rows, weights=vals * vals, minlength=len(units)))
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = np.nan_to_num(vals / norms[rows]) if len(rows) else vals
    # Paragraph numbers only grow in document order: a new group wherever the number changes.
    paragraph_of = np.cumsum(np.diff(paragraph_numbers, prepend=paragraph_numbers[:1]) != 0)
    passage_paragraphs = layout.paragraphs[1:]
    firsts = np.flatnonzero(np.diff(passage_paragraphs, prepend=-1)) + 1
    opens = np.isin(unit_array, layout.sentence_ptr[firsts])
    title = np.zeros(len(terms))
    if document.meta.title and first > 0:
        lo, hi = int(bundle.unit_ptr[0]), int(bundle.unit_ptr[1])
        ids = bundle.term_ids[lo:hi]
        where = np.searchsorted(terms, ids)
        known = (where < len(terms)) & (terms[np.minimum(where, len(terms) - 1)] == ids) if len(terms) else where < 0
        title[where[known]] = idf[ids[known]]
        title /= np.linalg.norm(title) or 1.0
    return _Candidates(
        body, spans, unit_array, rows, cols.astype(np.int64), unit, norms, terms, paragraph_of, opens, title
    )


def _ranges(lengths: np.ndarray) -> np.ndarray:
    """0..n-1 for each n in ``lengths``, concatenated."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offsets = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.arange(total, dtype=np.int64) - offsets


def _sparse_dot(
    c: _Candidates, pool: np.ndarray, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, size: int
) -> np.ndarray:
    """Dot products of the pool's unit TF-IDF rows with ``size`` sparse targets: (pool, size).

    The pool rows are laid out dense by term and gathered for each target entry (``rows``
    ascending), so the cost is pool size x number of entries: linear in the document's length.
    """
    slot = np.full(len(c), -1, dtype=np.int64)
    slot[pool] = np.arange(len(pool))
    mine = slot[c.rows] >= 0
    by_term = np.zeros((len(c.terms), len(pool)), dtype=np.float32)
    by_term[c.cols[mine], slot[c.rows[mine]]] = c.unit[mine]
    in_pool = np.zeros(len(c.terms), dtype=bool)
    in_pool[c.cols[mine]] = True
    shared = in_pool[cols]  # other entries meet only zeros
    rows, cols, vals = rows[shared], cols[shared], vals[shared]
    similarity = np.zeros((size, len(pool)), dtype=np.float32)
    if len(rows):
        products = by_term[cols] * vals.astype(np.float32)[:, None]
        present = np.flatnonzero(np.diff(rows, prepend=-1))
        similarity[rows[present]] = np.add.reduceat(products, present, axis=0)
    return similarity.T


def _paragraph_entries(c: _Candidates) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit TF-IDF rows of the paragraphs (the sum of their candidate sentences' rows)."""
    width = len(c.terms)
    keys, inverse = np.unique(c.paragraph_of[c.rows] * width + c.cols, return_inverse=True)
    vals = np.bincount(inverse, weights=c.unit * c.norms[c.rows])
    rows, cols = keys // width, keys % width
    norms = np.sqrt(np.bincount(rows, weights=vals * vals, minlength=c.paragraph_count))
    with np.errstate(divide="ignore", invalid="ignore"):
        return rows, cols, np.nan_to_num(vals / norms[rows])


def _paragraph_vectors(c: _Candidates, rows: np.ndarray) -> np.ndarray:
    """Each paragraph's normalised mean sentence vector."""
    sums = np.zeros((c.paragraph_count, rows.shape[1]), dtype=np.float32)
    np.add.at(sums, c.paragraph_of, rows)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)


def _relevance(c: _Candidates) -> np.ndarray:
    """How much each candidate is about what the document is about (MEAD's two content features).

    Cosine with the centroid of the raw TF-IDF rows (so a sentence carrying more of the
    document's vocabulary scores higher, as informative sentences do), plus LEAD_WEIGHT
    times the cosine with the first sentence, which in news states what the rest develops.
    """
    centroid = np.bincount(c.cols, weights=c.unit * c.norms[c.rows], minlength=len(c.terms))
    to_centroid = np.bincount(c.rows, weights=c.unit * centroid[c.cols], minlength=len(c))
    to_centroid /= np.linalg.norm(centroid) or 1.0
    first = np.zeros(len(c.terms))
    mine = c.rows == 0
    first[c.cols[mine]] = c.unit[mine]
    to_lead = np.bincount(c.rows, weights=c.unit * first[c.cols], minlength=len(c))
    to_title = np.bincount(c.rows, weights=c.unit * c.title[c.cols], minlength=len(c))
    return to_centroid + LEAD_WEIGHT * to_lead + TITLE_WEIGHT * to_title


def _pool(c: _Candidates, relevance: np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
    """Candidates that may be picked: all, or in a long document the most relevant of each tenth."""
    n = len(c)
    everyone = np.arange(n) if allowed is None else np.flatnonzero(allowed)
    if len(everyone) <= POOL_SIZE:
        return everyone
    bins = (everyone * POOL_BINS) // n
    order = np.lexsort((-relevance[everyone], bins))
    ranked_bins = bins[order]
    rank = np.arange(len(order)) - np.searchsorted(ranked_bins, ranked_bins)
    return np.sort(everyone[order[rank < POOL_SIZE // POOL_BINS]])


def _similarity(c: _Candidates, pool: np.ndarray, vectors: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(how well each pool sentence covers each paragraph, near-duplicate pairs (pool, pool)).

    A sentence covers a paragraph by its similarity to the whole paragraph, so the sentence
    that states a paragraph's point covers it better than a detail of it does.
    """
    # Picks come from the pool only, so only pool pairs can be duplicates.
    slot = np.full(len(c), -1, dtype=np.int64)
    slot[pool] = np.arange(len(pool))
    mine = slot[c.rows] >= 0
    duplicate = _sparse_dot(c, pool, slot[c.rows[mine]], c.cols[mine], c.unit[mine], len(pool)) >= DUPLICATE_SIMILARITY
    duplicate |= _contained(c, pool, slot, mine)
    coverage = _sparse_dot(c, pool, *_paragraph_entries(c), c.paragraph_count)
    if vectors is not None:
        pooled = np.asarray(vectors[c.units[pool]], dtype=np.float32)
        # einsum, not a BLAS product: on a busy machine waking BLAS threads for so small a
        # product cost 40-50 ms, the einsum loop a fraction of a millisecond.
        duplicate |= np.einsum("ij,kj->ik", pooled, pooled, optimize=False) >= SEMANTIC_DUPLICATE
        if SEMANTIC_WEIGHT > 0:
            rows = np.asarray(vectors[c.units], dtype=np.float32)
            cosine = pooled @ _paragraph_vectors(c, rows).T
            semantic = np.clip((cosine - SEMANTIC_FLOOR) / (1.0 - SEMANTIC_FLOOR), 0.0, 1.0)
            coverage = (1 - SEMANTIC_WEIGHT) * coverage + SEMANTIC_WEIGHT * semantic
    return coverage, duplicate


def _contained(c: _Candidates, pool: np.ndarray, slot: np.ndarray, mine: np.ndarray) -> np.ndarray:
    """Pool pairs where most of the shorter sentence's terms are in the other (pool, pool).

    A short sentence made of a longer one's words adds nothing to it, though their
    cosine stays low because the longer one says much more.
    """
    used, cols = np.unique(c.cols[mine], return_inverse=True)  # only the pool's own terms
    present = np.zeros((len(pool), len(used)), dtype=np.float32)
    present[slot[c.rows[mine]], cols] = 1.0
    shared = np.einsum("ij,kj->ik", present, present, optimize=False)
    sizes = present.sum(axis=1)
    shorter = np.minimum(sizes[:, None], sizes[None, :])
    contained = shared >= CONTAINED_SHARE * np.maximum(shorter, 1.0)
    np.fill_diagonal(contained, False)
    return contained


def _content(c: _Candidates) -> np.ndarray:
    """How much each paragraph says: its distinct terms (over its sentences), as a share of all."""
    terms = np.bincount(c.paragraph_of[c.rows], minlength=c.paragraph_count).astype(np.float64)
    return terms / (terms.sum() or 1.0)


def _parts(c: _Candidates, pool: np.ndarray) -> np.ndarray:
    """Which part of the argument each pool sentence is in: 0 opening, 1 middle, 2 closing.

    The opening and the closing are the first and last EDGE_SHARE of the paragraphs (at
    least one paragraph each): where a piece states its thesis and its conclusion, and
    where a news report puts its lead and, often, how the story stands.
    """
    paragraphs = c.paragraph_count
    edge = max(1, round(EDGE_SHARE * paragraphs))
    where = c.paragraph_of[pool]
    return np.where(where < edge, 0, np.where(where >= paragraphs - edge, 2, 1))


def _coverage_picks(
    c: _Candidates,
    pool: np.ndarray,
    coverage: np.ndarray,
    weights: np.ndarray,
    relevance: np.ndarray,
    duplicate: np.ndarray,
    count: int,
    *,
    reserve_parts: bool = True,
) -> list[int]:
    """Greedy picks (candidate rows) by the value of what each sentence adds.

    ``coverage[p, t]`` is how well pool sentence p covers paragraph t; ``weights[t]`` how
    much covering paragraph t is worth; ``relevance`` (per candidate) how much a sentence
    is about the subject. A pick's value is its relevance x the share of its coverage still
    new x how much it covers at all (square root: informativeness, not length, should
    tell) x a diversity reward over sections x a mild bonus for a paragraph's first
    sentence x the prior for early sentences. With ``reserve_parts`` the first three picks
    come one from each part (opening, middle, closing) and the position prior is left out
    of them, so a short summary gives the thesis, the argument and the conclusion rather
    than the lead three times, and which sentence speaks for a part is not decided by position.
    """
    n = len(c)
    weights = weights.astype(np.float32)
    worth = coverage @ weights  # each sentence's coverage when nothing is covered yet
    value = worth / (worth.max() or 1.0)
    relevant = relevance[pool] / (relevance[pool].max() or 1.0)
    merit = relevant * np.sqrt(value) * (1.0 + OPENER_WEIGHT * c.opens[pool])
    prior = 1.0 + POSITION_WEIGHT * (1.0 - pool / max(n, 1))
    part = _parts(c, pool) if reserve_parts and c.paragraph_count >= PARTS_MIN_PARAGRAPHS else None
    parts_left = np.zeros(3, dtype=bool)
    if part is not None:
        parts_left[part] = True
    sections = int(np.clip(round(c.paragraph_count / PARAGRAPHS_PER_SECTION), 1, MAX_SENTENCES))
    section = np.minimum((c.paragraph_of[pool] * sections) // max(c.paragraph_count, 1), sections - 1)
    picked_value = np.zeros(sections)
    covered = np.zeros(coverage.shape[1], dtype=np.float32)
    available = np.ones(len(pool), dtype=bool)
    chosen: list[int] = []
    texts: set[str] = set()
    while len(chosen) < count and available.any():
        new = np.maximum(coverage - covered, 0.0) @ weights
        novelty = np.divide(new, worth, out=np.zeros_like(new), where=worth > 0)
        spread = np.sqrt(picked_value[section] + value) - np.sqrt(picked_value[section])
        score = merit * novelty * (1 + SPREAD_WEIGHT * spread)
        eligible = available
        if part is not None and parts_left.any():
            eligible = available & parts_left[part]
            if not eligible.any():  # what was left of those parts duplicated earlier picks
                parts_left[:] = False
                eligible = available
        if part is None or not parts_left.any():
            score = score * prior
        best = int(np.argmax(np.where(eligible, score, -np.inf)))
        available[best] = False
        row = int(pool[best])
        text = c.text(row)
        if text in texts:
            continue
        texts.add(text)
        chosen.append(row)
        if part is not None:
            parts_left[part[best]] = False
        covered = np.maximum(covered, coverage[best])
        picked_value[section[best]] += value[best]
        available &= ~duplicate[:, best]
    return chosen


def rank_sentences(
    document: Document,
    layout: Layout,
    bundle: TermBundle,
    vectors: np.ndarray | None = None,
    count: int = MAX_SENTENCES,
) -> tuple[SummarySentence, ...]:
    """The greedy pick order of a document's summary sentences (a summary of N is the first N).

    Computed once per document when it is indexed, and again when its sentence vectors
    arrive (one row per layout sentence, front matter first, as ``sentence_texts`` gives
    them; rows of another version of the document are ignored). Greedy picks are a prefix
    of each other, so the 3-sentence summary is the first 3 of the 10-sentence pick.
    """
    candidates = _candidates(document, layout, bundle)
    if not len(candidates):
        return ()
    if vectors is not None and len(vectors) != len(layout.sentence_starts):
        vectors = None
    relevance = _relevance(candidates)
    pool = _pool(candidates, relevance)
    coverage, duplicate = _similarity(candidates, pool, vectors)
    picks = _coverage_picks(candidates, pool, coverage, _content(candidates), relevance, duplicate, count)
    return tuple(candidates.sentence(i) for i in picks)


def summarize(
    document: Document,
    index: Index,
    analyzer: Analyzer,
    speller: Speller | None = None,
    *,
    sentences: int = DEFAULT_SENTENCES,
    topic: str | None = None,
    ranked: tuple[SummarySentence, ...] | None = None,
    vectors: VectorTable | None = None,
    encode: Encode | None = None,
) -> Summary:
    """A summary of ``sentences`` sentences (1-10) in document order, optionally on a topic.

    ``ranked`` is the precomputed pick order from ``rank_sentences`` (used when there is no
    topic, so the common case is served from memory). With ``vectors`` and ``encode`` a
    topic is found by meaning as well as words, when the document has its vectors.
    """
    started = time.perf_counter()
    count = max(1, min(MAX_SENTENCES, sentences))
    d = index.position(document.doc_id)
    layout = index.layouts[d]
    rows = vectors.per_document[d] if vectors is not None and encode is not None else None
    if rows is not None and len(rows) != len(layout.sentence_starts):
        rows = None

    def done(status: SummaryStatus, picked: Sequence[SummarySentence] = ()) -> Summary:
        ordered = tuple(sorted(picked, key=lambda s: s.start))
        elapsed = (time.perf_counter() - started) * 1000
        return Summary(document, topic, status, ordered, elapsed)

    if topic is None or not topic.strip():
        picks = ranked if ranked is not None else rank_sentences(document, layout, index.bundles[d], rows)
        return done(SummaryStatus.OK if picks else SummaryStatus.NO_SENTENCES, picks[:count])

    # The topic is read exactly as a question is (length cap, cleaning, decline rule).
    semantic = rows is not None
    check = answer_question(
        topic,
        index,
        analyzer,
        speller,
        top=1,
        doc_id=document.doc_id,
        vectors=vectors if semantic else None,
        encode=encode if semantic else None,
    )
    if check.status is Status.TOO_LONG:
        return done(SummaryStatus.TOO_LONG)
    if check.status is Status.EMPTY:
        return done(SummaryStatus.EMPTY_TOPIC)
    if not check.answered:
        return done(SummaryStatus.NOT_FOUND)

    candidates = _candidates(document, layout, index.bundles[d])
    if not len(candidates):
        return done(SummaryStatus.NO_SENTENCES)
    relevance = _topic_relevance(candidates, check.cleaned, index, analyzer, speller, d, rows, encode)
    on_topic = relevance > 0
    if not on_topic.any():
        return done(SummaryStatus.NOT_FOUND)
    pool = _pool(candidates, relevance, on_topic)
    coverage, duplicate = _similarity(candidates, pool, rows)
    # The content to cover is what the document says about the topic: each paragraph
    # counts as much as its sentences are on the topic.
    weights = _content(candidates) * np.bincount(
        candidates.paragraph_of, weights=relevance, minlength=coverage.shape[1]
    )
    picks = _coverage_picks(candidates, pool, coverage, weights, relevance, duplicate, count, reserve_parts=False)
    return done(SummaryStatus.OK, [candidates.sentence(i) for i in picks])


def _topic_relevance(
    c: _Candidates,
    cleaned: str,
    index: Index,
    analyzer: Analyzer,
    speller: Speller | None,
    d: int,
    vectors: np.ndarray | None,
    encode: Encode | None,
) -> np.ndarray:
    """Each candidate's relevance to the topic, 0 when off it: the topic's words it has, and its meaning."""
    query = read_question(cleaned, index, analyzer, speller)
    to_global = index.local_to_global[d]
    words = np.array([query.coverage({int(to_global[t]) for t in present}) for present in c.term_sets()])
    if vectors is None or encode is None:
        return words
    topic = np.asarray(encode([cleaned])[0], dtype=np.float32)
    cosine = np.asarray(vectors[c.units], dtype=np.float32) @ topic
    meaning = np.where(cosine >= TOPIC_SIMILARITY, cosine, 0.0)
    return np.where((words > 0) | (meaning > 0), (words + meaning) / 2, 0.0)
