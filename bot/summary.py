"""Extractive summaries: the document's own sentences, chosen by measurement, in order.

The scoring is MEAD-style (Radev et al., 2004): a sentence is worth its similarity to the
document's centroid (the TF-IDF profile of the whole text, with the index's BM25 IDF), plus
its overlap with the opening sentence, plus a mild position prior. Sentences are then
picked greedily with maximal marginal relevance (Carbonell & Goldstein, 1998) so two
picks never say the same thing, and returned in document order. bench/eval_summary.py
compares this with Lead-N and random choices on key points written by hand.

A topic narrows the candidates to sentences that share the topic's words (read the same
way questions are) and weights them by that relevance; a topic the document does not
cover is declined exactly as ``/ask`` declines.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from bot.answer import Status, answer_question
from bot.documents import Document
from bot.index import Index
from bot.passages import Passage
from bot.query import read_question
from bot.spelling import Speller
from bot.text import clean_question, has_words
from bot.tokenizer import Analyzer

__all__ = [
    "DEFAULT_SENTENCES",
    "MAX_SENTENCES",
    "Summary",
    "SummarySentence",
    "SummaryStatus",
    "rank_sentences",
    "summarize",
]

DEFAULT_SENTENCES = 5
MAX_SENTENCES = 10
MIN_WORDS = 6
# Weights of the MEAD features and of redundancy in the MMR pick (tuned on bench/eval_summary.py).
CENTROID_WEIGHT = 1.0
FIRST_SENTENCE_WEIGHT = 0.5
POSITION_WEIGHT = 0.15
MMR_LAMBDA = 0.9
# Two sentences this similar (cosine of TF-IDF) are treated as saying the same thing.
DUPLICATE_SIMILARITY = 0.6
_TERMINAL = re.compile(r"[.!?…][\"'’”)\]]*$")
_WORDS = re.compile(r"\w+")


class SummaryStatus(Enum):
    """Whether a summary could be made."""

    OK = "ok"
    NOT_FOUND = "not_found"
    EMPTY_TOPIC = "empty_topic"
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


@dataclass(frozen=True, slots=True)
class _Candidate:
    sentence: SummarySentence
    order: int
    vector: dict[int, float]
    norm: float


def _candidates(passages: Sequence[Passage], index: Index, analyzer: Analyzer) -> list[_Candidate]:
    """Body sentences that can stand alone: whole sentences of at least MIN_WORDS words."""
    found: list[_Candidate] = []
    for passage in passages:
        if passage.is_about or passage.paragraph is None:
            continue
        for span in passage.sentences:
            text = span.of(passage.source)
            if len(_WORDS.findall(text)) < MIN_WORDS or not _TERMINAL.search(text):
                continue
            vector: dict[int, float] = {}
            for term in analyzer.terms(text):
                term_id = index.vocab.get(term)
                if term_id is not None:
                    vector[term_id] = vector.get(term_id, 0.0) + 1.0
            for term_id, count in vector.items():
                vector[term_id] = (1.0 + math.log(count)) * max(float(index.idf[term_id]), 0.0)
            norm = math.sqrt(sum(v * v for v in vector.values()))
            sentence = SummarySentence(passage.paragraph, span.start, span.end, text)
            found.append(_Candidate(sentence, len(found), vector, norm))
    return found


def _cosine(a: _Candidate | dict[int, float], b: _Candidate, a_norm: float | None = None) -> float:
    vector = a.vector if isinstance(a, _Candidate) else a
    norm = a.norm if isinstance(a, _Candidate) else (a_norm or 0.0)
    if not norm or not b.norm:
        return 0.0
    small, large = (vector, b.vector) if len(vector) < len(b.vector) else (b.vector, vector)
    return sum(v * large.get(k, 0.0) for k, v in small.items()) / (norm * b.norm)


def _mead_scores(candidates: list[_Candidate]) -> list[float]:
    centroid: dict[int, float] = {}
    for c in candidates:
        for k, v in c.vector.items():
            centroid[k] = centroid.get(k, 0.0) + v / len(candidates)
    centroid_norm = math.sqrt(sum(v * v for v in centroid.values()))
    first = candidates[0]
    n = len(candidates)
    scores = []
    for c in candidates:
        position = 1.0 - c.order / n
        scores.append(
            CENTROID_WEIGHT * _cosine(centroid, c, centroid_norm)
            + FIRST_SENTENCE_WEIGHT * _cosine(first, c)
            + POSITION_WEIGHT * position
        )
    return scores


def _mmr(candidates: list[_Candidate], scores: list[float], count: int) -> list[_Candidate]:
    """Greedy picks by relevance minus similarity to what is already picked."""
    chosen: list[_Candidate] = []
    remaining = sorted(range(len(candidates)), key=lambda i: (-scores[i], i))
    top = max(scores) if scores else 1.0
    while remaining and len(chosen) < count:
        best_i, best_value = None, -math.inf
        for i in remaining:
            redundancy = max((_cosine(candidates[i], c) for c in chosen), default=0.0)
            if redundancy >= DUPLICATE_SIMILARITY or candidates[i].sentence.text in {c.sentence.text for c in chosen}:
                continue
            value = MMR_LAMBDA * scores[i] / (top or 1.0) - (1 - MMR_LAMBDA) * redundancy
            if value > best_value:
                best_i, best_value = i, value
        if best_i is None:
            break
        chosen.append(candidates[best_i])
        remaining.remove(best_i)
    return chosen


def rank_sentences(
    passages: Sequence[Passage], index: Index, analyzer: Analyzer, count: int = MAX_SENTENCES
) -> tuple[SummarySentence, ...]:
    """The MMR pick order of a document's best sentences (a summary of N is the first N).

    Computed once per document when the knowledge base loads, since greedy picks are a
    prefix of each other: the 3-sentence summary is the first 3 of the 10-sentence pick.
    """
    candidates = _candidates(passages, index, analyzer)
    if not candidates:
        return ()
    return tuple(c.sentence for c in _mmr(candidates, _mead_scores(candidates), count))


def summarize(
    document: Document,
    index: Index,
    analyzer: Analyzer,
    speller: Speller | None = None,
    *,
    sentences: int = DEFAULT_SENTENCES,
    topic: str | None = None,
    ranked: tuple[SummarySentence, ...] | None = None,
) -> Summary:
    """A summary of ``sentences`` sentences (1-10) in document order, optionally on a topic.

    ``ranked`` is the precomputed pick order from ``rank_sentences`` (used when there is no
    topic, so the common case is served from memory).
    """
    started = time.perf_counter()
    count = max(1, min(MAX_SENTENCES, sentences))
    lo, hi = index.doc_ranges[document.doc_id]
    passages = index.passages[lo:hi]

    def done(status: SummaryStatus, picked: Sequence[SummarySentence] = ()) -> Summary:
        ordered = tuple(sorted(picked, key=lambda s: s.start))
        elapsed = (time.perf_counter() - started) * 1000
        return Summary(document, topic, status, ordered, elapsed)

    if topic is None or not topic.strip():
        picks = ranked if ranked is not None else rank_sentences(passages, index, analyzer)
        return done(SummaryStatus.OK if picks else SummaryStatus.NO_SENTENCES, picks[:count])

    cleaned = clean_question(topic)
    if not has_words(cleaned):
        return done(SummaryStatus.EMPTY_TOPIC)
    check = answer_question(topic, index, analyzer, speller, top=1, doc_id=document.doc_id)
    if check.status is Status.EMPTY:
        return done(SummaryStatus.EMPTY_TOPIC)
    if not check.answered:
        return done(SummaryStatus.NOT_FOUND)

    query = read_question(cleaned, index, analyzer, speller)
    candidates = _candidates(passages, index, analyzer)
    if not candidates:
        return done(SummaryStatus.NO_SENTENCES)
    base = _mead_scores(candidates)
    relevance = []
    for c in candidates:
        present = set(c.vector)
        relevance.append(
            sum(
                concept.weight * concept.presence(present)
                for concept in query.concepts
                if concept.forms and concept.presence(present) > 0
            )
        )
    focused = [i for i, r in enumerate(relevance) if r > 0]
    if not focused:
        return done(SummaryStatus.NOT_FOUND)
    top_relevance = max(relevance)
    pool = [candidates[i] for i in focused]
    scores = [base[i] * (0.5 + relevance[i] / top_relevance) for i in focused]
    return done(SummaryStatus.OK, [c.sentence for c in _mmr(pool, scores, count)])
