"""Question -> ranked passages, each with the exact sentence or two that answers it.

The promise kept here: a quote is always ``source[start:end]`` of its passage, and a
question that the knowledge base does not answer is declined rather than met with weak
matches. The decline rule asks how much of the question (weighted by how informative each
word is) the best passage covers, never how large a raw BM25 score is, since raw scores are
not comparable from one question or knowledge base to the next.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum

import numpy as np

from bot.knowledge.documents import Document
from bot.knowledge.passages import Passage
from bot.knowledge.text import Span, clean_question, has_words
from bot.search.index import Index
from bot.search.query import Query, read_question
from bot.search.spelling import Speller
from bot.search.tokenizer import Analyzer
from bot.search.vectors import Encode, VectorTable

__all__ = [
    "DEFAULT_RESULTS",
    "MAX_QUESTION_CHARS",
    "MAX_RESULTS",
    "Answer",
    "Blend",
    "Quote",
    "Result",
    "Status",
    "answer_question",
    "sentence_result",
]

DEFAULT_RESULTS = 3
MAX_RESULTS = 10
MAX_QUESTION_CHARS = 500
# Past this many characters a paste is refused before it is even cleaned.
MAX_RAW_CHARS = 8 * MAX_QUESTION_CHARS
# The decline rule: the best passage must cover at least MIN_COVERAGE of the question's
# information, and at least SINGLE_WORD_COVERAGE when only one informative word of the
# question is found there (one shared word is weak evidence unless it is most of the
# question). Calibrated on the dev, extra and off-topic question sets (bench/eval_quality.py).
MIN_COVERAGE = 0.25
SINGLE_WORD_COVERAGE = 0.45
# A concept this informative or more counts as an informative word for the rule above.
_INFORMATIVE = 1.0
# Passages re-ranked by blending BM25 with coverage: how many are considered, and how much
# coverage (0-1) counts against BM25 scaled so the best passage scores 1.
_POOL = 20
COVERAGE_BLEND = 0.75


@dataclass(frozen=True, slots=True)
class Blend:
    """How the semantic layer mixes meaning with the lexical evidence, and when it answers.

    A window (one sentence, or two consecutive ones) scores ``similarity`` times its cosine
    with the question, plus ``coverage`` times the share of the question's information its
    words hold (together, the window's evidence), plus ``bm25`` times its passage's BM25
    relative to the best lexical passage, plus ``context`` times the cosine of the whole
    passage (the mean of its sentence vectors): a sentence that fits the question in a
    paragraph about something else loses to one whose paragraph is on the question's topic.
    Passages rank by their best window. A question is
    answered when the best evidence reaches ``answer_at`` and either the lexical coverage
    rule accepts it or the best cosine alone reaches ``strong`` (a paraphrase that shares
    few words with its answer). Passages after the first are
    shown only while they score at least ``relative`` times the first. Chosen on the dev
    questions with ``bench/eval_quality.py --grid``; nearby values give nearly the same
    figures (docs/benchmarks.md).
    """

    similarity: float = 1.0
    coverage: float = 0.5
    bm25: float = 0.2
    context: float = 0.4
    strong: float = 0.55
    answer_at: float = 0.55
    relative: float = 0.8
    pool: int = 20


class Status(Enum):
    """What kind of reply an answer is."""

    ANSWERED = "answered"
    NOT_FOUND = "not_found"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    UNKNOWN_DOCUMENT = "unknown_document"


@dataclass(frozen=True, slots=True)
class Quote:
    """The exact text shown, its place in the passage source, and the words to bold."""

    start: int
    end: int
    text: str
    highlights: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Result:
    """One ranked passage with its quote."""

    passage: Passage
    document: Document
    score: float
    quote: Quote
    coverage: float
    informative: int


@dataclass(frozen=True, slots=True)
class Answer:
    """Everything a reply needs, whether or not the question was answered."""

    question: str
    cleaned: str
    status: Status
    results: tuple[Result, ...]
    elapsed_ms: float
    coverage: float = 0.0
    summary: bool = False  # the question asked for the document as a whole; results are its summary

    @property
    def answered(self) -> bool:
        """True when passages are shown."""
        return self.status is Status.ANSWERED


def answer_question(
    question: str,
    index: Index,
    analyzer: Analyzer,
    speller: Speller | None = None,
    *,
    top: int = DEFAULT_RESULTS,
    doc_id: str | None = None,
    decline: bool = True,
    vectors: VectorTable | None = None,
    encode: Encode | None = None,
    blend: Blend | None = None,
) -> Answer:
    """Answer a raw question from the index; never raises on any input text.

    With ``vectors`` and ``encode`` the semantic layer ranks sentences by meaning as well as
    words, wherever every candidate passage has its vectors; otherwise the answer is lexical.
    ``decline=False`` shows the best passages even when the rule would decline (for
    measuring ranking apart from declining).
    """
    started = time.perf_counter()
    top = max(1, min(MAX_RESULTS, top))

    def done(status: Status, cleaned: str = "", results: tuple[Result, ...] = (), coverage: float = 0.0) -> Answer:
        elapsed = (time.perf_counter() - started) * 1000
        return Answer(question, cleaned, status, results, elapsed, coverage)

    if len(question) > MAX_RAW_CHARS:
        return done(Status.TOO_LONG)
    cleaned = clean_question(question)
    if len(cleaned) > MAX_QUESTION_CHARS:
        return done(Status.TOO_LONG, cleaned)
    if not has_words(cleaned):
        return done(Status.EMPTY, cleaned)
    within = None
    if doc_id is not None:
        within = index.doc_ranges.get(doc_id)
        if within is None:
            return done(Status.UNKNOWN_DOCUMENT, cleaned)
    query = read_question(cleaned, index, analyzer, speller)
    if not query.concepts:
        return done(Status.EMPTY, cleaned)
    hits = index.top_concepts(query.searchable, max(_POOL, top), within)
    semantic = vectors is not None and encode is not None
    if not hits and not semantic:
        return done(Status.NOT_FOUND, cleaned)
    # Re-rank the pool by BM25 blended with coverage, reading term presence from the
    # postings; only the passages finally shown get their quote chosen and highlighted.
    pool = np.array([ordinal for ordinal, _ in hits], dtype=np.int64)
    coverages, informatives = _pool_coverage(index, query, pool)
    best = max((score for _, score in hits), default=0.0) or 1.0
    ranked = [
        (score / best + COVERAGE_BLEND * coverages[i], -i, ordinal, score, float(coverages[i]), int(informatives[i]))
        for i, (ordinal, score) in enumerate(hits)
    ]
    ranked.sort(reverse=True)
    coverage, informative = (ranked[0][4], ranked[0][5]) if ranked else (0.0, 0)
    weak = coverage < MIN_COVERAGE or (coverage < SINGLE_WORD_COVERAGE and informative < 2)
    if semantic:
        assert vectors is not None and encode is not None
        found = _semantic(index, analyzer, query, cleaned, hits, vectors, encode, blend or Blend(), top, within, weak)
        if found is not None:
            declined, results = found
            if (decline and declined) or not results:
                return done(Status.NOT_FOUND, cleaned, coverage=coverage)
            return done(Status.ANSWERED, cleaned, results, results[0].coverage)
    if not hits:
        return done(Status.NOT_FOUND, cleaned)
    if decline and weak:
        return done(Status.NOT_FOUND, cleaned, coverage=coverage)
    values = _form_values(query, index)
    results = tuple(
        _result(index, analyzer, query, values, ordinal, score, coverage, informative)
        for _, _, ordinal, score, coverage, informative in ranked[:top]
    )
    return done(Status.ANSWERED, cleaned, results, results[0].coverage)


def _semantic(
    index: Index,
    analyzer: Analyzer,
    query: Query,
    cleaned: str,
    hits: list[tuple[int, float]],
    vectors: VectorTable,
    encode: Encode,
    blend: Blend,
    top: int,
    within: tuple[int, int] | None,
    lexically_weak: bool,
) -> tuple[bool, tuple[Result, ...]] | None:
    """(declined, results) ranked by sentence meaning and words; None when vectors are missing.

    Candidates are the lexical pool plus the passages nearest the question by meaning, so a
    paraphrase that shares no word with its answer is still found.
    """
    question = encode([cleaned])[0]
    nearest = vectors.nearest(question, blend.pool, within)
    bm25 = dict(hits)
    candidates = list(dict.fromkeys([*bm25, *nearest.tolist()]))
    if not candidates or not all(vectors.has(o) for o in candidates):
        return None
    pool = np.array(candidates, dtype=np.int64)
    coverages, informatives = _pool_coverage(index, query, pool)
    best_bm25 = max(bm25.values(), default=0.0) or 1.0
    scored = []
    top_similarity = top_evidence = -1.0
    for i, ordinal in enumerate(candidates):
        passage = index.passages[ordinal]
        rows = vectors.sentences(ordinal)
        assert rows is not None
        units = index.unit_terms(ordinal)
        span, evidence, similarity = _best_semantic_window(passage, units, rows, question, query, blend)
        top_similarity = max(top_similarity, similarity)
        top_evidence = max(top_evidence, evidence)
        score = evidence + blend.bm25 * bm25.get(ordinal, 0.0) / best_bm25
        score += blend.context * float(vectors.passage_matrix[ordinal] @ question)
        scored.append((score, -i, ordinal, span, float(coverages[i]), int(informatives[i])))
    scored.sort(reverse=True)
    supported = not lexically_weak or top_similarity >= blend.strong
    declined = not (supported and top_evidence >= blend.answer_at)
    cutoff = blend.relative * scored[0][0]
    shown = [scored[0], *(s for s in scored[1:top] if s[0] >= cutoff)]
    results = tuple(
        _make_result(index, analyzer, query, ordinal, bm25.get(ordinal, 0.0), span, coverage, informative)
        for _, _, ordinal, span, coverage, informative in shown
    )
    return declined, results


def _best_semantic_window(
    passage: Passage,
    units: list[set[int]],
    rows: np.ndarray,
    question: np.ndarray,
    query: Query,
    blend: Blend,
) -> tuple[Span, float, float]:
    """The passage's best sentence or consecutive pair: (span, its evidence, its cosine).

    A pair is scored by the mean of its two sentence vectors, which measured as good as
    embedding the pair, and by the question words the two hold together.
    """
    similarities = rows @ question
    best = (passage.sentences[0], -np.inf, -1.0)
    for i, unit in enumerate(units):
        similarity = float(similarities[i])
        score = blend.similarity * similarity + blend.coverage * query.coverage(unit)
        if score > best[1]:
            best = (passage.sentences[i], score, similarity)
    if passage.is_about:
        return best
    for i in range(len(units) - 1):
        pair = rows[i] + rows[i + 1]
        norm = float(np.linalg.norm(pair))
        similarity = float(pair @ question) / norm if norm > 0 else 0.0
        score = blend.similarity * similarity + blend.coverage * query.coverage(units[i] | units[i + 1])
        if score > best[1]:
            best = (Span(passage.sentences[i].start, passage.sentences[i + 1].end), score, similarity)
    return best


def _pool_coverage(index: Index, query: Query, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coverage and informative-word count of each pool passage, from the postings.

    A term is present in a passage when the passage is in the term's postings
    (``Index.lookup``); a concept counts with the factor of its best form wholly present.
    """
    present = {term_id: index.lookup(term_id, pool)[0] for term_id in query.term_ids}
    total = sum(c.weight for c in query.concepts)
    covered = np.zeros(len(pool))
    informative = np.zeros(len(pool), dtype=np.int64)
    for concept in query.concepts:
        found = np.zeros(len(pool))
        for form in concept.forms:
            whole = np.logical_and.reduce([present[t] for t in form.terms])
            found = np.maximum(found, form.factor * whole)
        covered += concept.weight * found
        if concept.weight >= _INFORMATIVE:
            informative += found > 0
    return (covered / total if total > 0 else covered), informative


def _result(
    index: Index,
    analyzer: Analyzer,
    query: Query,
    values: FormValues,
    ordinal: int,
    score: float,
    coverage: float,
    informative: int,
) -> Result:
    passage = index.passages[ordinal]
    span = _best_window(passage, index.unit_terms(ordinal), values)
    return _make_result(index, analyzer, query, ordinal, score, span, coverage, informative)


def _make_result(
    index: Index,
    analyzer: Analyzer,
    query: Query,
    ordinal: int,
    score: float,
    span: Span,
    coverage: float,
    informative: int,
) -> Result:
    """A Result quoting ``span`` of the passage: always an exact slice of its source."""
    passage = index.passages[ordinal]
    quote_text = span.of(passage.source)
    return Result(
        passage=passage,
        document=index.by_id[passage.doc_id],
        score=score,
        quote=Quote(span.start, span.end, quote_text, _highlights(analyzer, quote_text, index, query)),
        coverage=coverage,
        informative=informative,
    )


def sentence_result(index: Index, doc_id: str, start: int, end: int) -> Result | None:
    """A body sentence ``[start, end)`` of a document as a Result quoting exactly it (for summaries)."""
    lo, hi = index.doc_ranges[doc_id]
    for ordinal in range(lo, hi):
        passage = index.passages[ordinal]
        if not passage.is_about and passage.start <= start and end <= passage.end:
            text = passage.source[start:end]
            document = index.by_id[doc_id]
            return Result(passage, document, 0.0, Quote(start, end, text, ()), 1.0, 0)
    return None


FormValues = list[list[tuple[tuple[int, ...], float]]]


def _form_values(query: Query, index: Index) -> FormValues:
    """Per concept, each form's terms and its worth: factor times the mean IDF of its terms."""
    return [
        [(form.terms, form.factor * sum(float(index.idf[t]) for t in form.terms) / len(form.terms)) for form in c.forms]
        for c in query.concepts
    ]


def _window_value(values: FormValues, present: set[int]) -> float:
    """Sum over concepts of their best form wholly present in ``present``."""
    total = 0.0
    for forms in values:
        best = 0.0
        for terms, value in forms:
            if value > best and all(t in present for t in terms):
                best = value
        total += best
    return total


def _best_window(passage: Passage, units: list[set[int]], values: FormValues) -> Span:
    """The one sentence, or two consecutive ones, that best answer the question.

    A window is worth the IDF of the question words it contains. The best sentence is
    joined by its neighbour (before or after) only when the neighbour adds question words
    the sentence lacks. Front-matter units are never paired: each is a separate field value.
    """
    singles = [_window_value(values, unit) for unit in units]
    best_i = max(range(len(units)), key=lambda i: (singles[i], -i))
    best_span = passage.sentences[best_i]
    if passage.is_about:
        return best_span
    best_value = singles[best_i]
    for i in (best_i - 1, best_i):
        if i >= 0 and i + 1 < len(units):
            joint = _window_value(values, units[i] | units[i + 1])
            if joint > best_value:
                best_value = joint
                best_span = Span(passage.sentences[i].start, passage.sentences[i + 1].end)
    return best_span


def _highlights(analyzer: Analyzer, quote: str, index: Index, query: Query) -> tuple[Span, ...]:
    """Spans of the quote's words that match the question (to be shown in bold)."""
    terms = index.terms
    wanted = {terms[t] for t in query.term_ids}
    return tuple(Span(start, end) for start, end in analyzer.matching_spans(quote, wanted))
