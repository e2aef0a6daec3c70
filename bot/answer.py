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

from bot.documents import Document
from bot.index import Index, top_k
from bot.passages import Passage
from bot.query import Concept, Query, read_question
from bot.spelling import Speller
from bot.text import Span, clean_question, has_words
from bot.tokenizer import Analyzer

__all__ = [
    "DEFAULT_RESULTS",
    "MAX_QUESTION_CHARS",
    "MAX_RESULTS",
    "Answer",
    "Quote",
    "Result",
    "Status",
    "answer_question",
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
) -> Answer:
    """Answer a raw question from the index; never raises on any input text.

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
    ordinals, scores = index.score_concepts(query.searchable, within)
    hits = top_k(ordinals, scores, max(_POOL, top))
    results = [_result(index, analyzer, query, ordinal, score) for ordinal, score in hits]
    if results and COVERAGE_BLEND:
        best = max(r.score for r in results) or 1.0
        results.sort(key=lambda r: -(r.score / best + COVERAGE_BLEND * r.coverage))
    if not results:
        return done(Status.NOT_FOUND, cleaned)
    coverage = results[0].coverage
    weak = coverage < MIN_COVERAGE or (coverage < SINGLE_WORD_COVERAGE and results[0].informative < 2)
    if decline and weak:
        return done(Status.NOT_FOUND, cleaned, coverage=coverage)
    return done(Status.ANSWERED, cleaned, tuple(results[:top]), coverage)


def _result(index: Index, analyzer: Analyzer, query: Query, ordinal: int, score: float) -> Result:
    passage = index.passages[ordinal]
    document = index.by_id[passage.doc_id]
    units = [_unit_terms(index, analyzer, passage, i) for i in range(len(passage.sentences))]
    quote_span = _best_window(passage, units, query, index)
    matched = set().union(*units) if units else set()
    coverage = _coverage(query.concepts, matched)
    informative = sum(1 for c in query.concepts if c.weight >= _INFORMATIVE and c.presence(matched) > 0)
    quote_text = quote_span.of(passage.source)
    return Result(
        passage=passage,
        document=document,
        score=score,
        quote=Quote(quote_span.start, quote_span.end, quote_text, _highlights(analyzer, quote_text, index, query)),
        coverage=coverage,
        informative=informative,
    )


def _unit_terms(index: Index, analyzer: Analyzer, passage: Passage, i: int) -> set[int]:
    """Index term ids of one sentence (with its hidden labels for front-matter units)."""
    text = passage.sentences[i].of(passage.source)
    terms = analyzer.terms(text)
    if passage.labels:
        terms.extend(analyzer.terms(passage.labels[i]))
    return {index.vocab[t] for t in terms if t in index.vocab}


def _concept_value(concept: Concept, index: Index, present: set[int]) -> float:
    """Factor times mean IDF of the concept's best form wholly present, else 0."""
    values = [
        form.factor * sum(float(index.idf[t]) for t in form.terms) / len(form.terms)
        for form in concept.forms
        if all(t in present for t in form.terms)
    ]
    return max(values, default=0.0)


def _best_window(passage: Passage, units: list[set[int]], query: Query, index: Index) -> Span:
    """The one sentence, or two consecutive ones, that best answer the question.

    A window is worth the IDF of the question words it contains. The best sentence is
    joined by its neighbour (before or after) only when the neighbour adds question words
    the sentence lacks. Front-matter units are never paired: each is a separate field value.
    """
    singles = [sum(_concept_value(c, index, unit) for c in query.concepts) for unit in units]
    best_i = max(range(len(units)), key=lambda i: (singles[i], -i))
    best_span = passage.sentences[best_i]
    if passage.is_about:
        return best_span
    best_value = singles[best_i]
    for i in (best_i - 1, best_i):
        if i >= 0 and i + 1 < len(units):
            joint = sum(_concept_value(c, index, units[i] | units[i + 1]) for c in query.concepts)
            if joint > best_value:
                best_value = joint
                best_span = Span(passage.sentences[i].start, passage.sentences[i + 1].end)
    return best_span


def _coverage(concepts: tuple[Concept, ...], present: set[int]) -> float:
    """Share of the question's information found among ``present`` terms."""
    total = sum(c.weight for c in concepts)
    if total <= 0:
        return 0.0
    found = sum(c.weight * c.presence(present) for c in concepts)
    return found / total


def _highlights(analyzer: Analyzer, quote: str, index: Index, query: Query) -> tuple[Span, ...]:
    """Spans of the quote's words that match the question (to be shown in bold)."""
    wanted = query.term_ids
    spans = []
    for word in analyzer.words(quote):
        if any(index.vocab.get(t) in wanted for t in word.terms):
            spans.append(Span(word.start, word.end))
    return tuple(spans)
