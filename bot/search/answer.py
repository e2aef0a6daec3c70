"""Question -> ranked passages, each with the exact sentence or two that answers it.

The promise kept here: a quote is always ``source[start:end]`` of its passage, and a
question that the knowledge base does not answer is declined rather than met with weak
matches. The decline rule asks how much of the question (weighted by how informative each
word is) the best passage covers, never how large a raw BM25 score is, since raw scores are
not comparable from one question or knowledge base to the next.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np

from bot.knowledge.documents import Document
from bot.knowledge.passages import FIELD_LABELS, Passage, is_label_text
from bot.knowledge.text import Span, clean_question, has_words
from bot.search.index import Index
from bot.search.intent import Place, asked_place
from bot.search.lexicon import FRAMING
from bot.search.naming import (
    Names,
    absent_name,
    document_names,
    name_words,
    spelling_terms,
    unglued,
    unknown_title,
    without_name_meaning,
)
from bot.search.query import Query, read_question
from bot.search.spelling import Speller
from bot.search.tokenizer import Analyzer, Word
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
    "meaning_text",
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
# A lexical ranking entry: (rank key, -pool position, passage ordinal, BM25, coverage, informative words).
_Ranked = tuple[float, int, int, float, float, int]
COVERAGE_BLEND = 0.75


@dataclass(frozen=True, slots=True)
class Blend:
    """How the semantic layer mixes meaning with the lexical evidence, and when it answers.

    A window (one sentence, or two consecutive ones) scores ``similarity`` times its cosine
    with the question plus ``coverage`` times the share of the question's information its
    words hold; a passage scores its best window plus ``context`` times the cosine of the
    whole passage (the mean of its sentence vectors), so a sentence that fits the question
    in a paragraph about something else loses to one whose paragraph is on the question's
    topic, plus ``bm25`` times its BM25 relative to the best lexical passage (measured as no
    help once coverage is in the window score, so 0). The decline rule keeps the lexical
    coverage rule as a gate and lets meaning overrule it: a question is answered when the
    best passage scores at least ``answer_at`` of the most a passage can score (the sum of
    the weights), or ``strong`` of it when the coverage rule calls the question weak
    (off-topic questions share a word or two, paraphrases share meaning). As shares, the
    thresholds keep their sense when a weight moves. Passages after the first are shown
    only while they score at least ``relative`` times the first. A passage's quote is its
    best consecutive pair rather than its best sentence when the pair scores within
    ``pair_bonus`` of it. With ``names``, a question word that names one document of
    several ("apache", "mozilla") counts as present in all of that document's passages, and
    ``name_weight`` times its meaning is taken out of the question's vector
    (``bot.search.naming``); the named document's passages also rank ``name_prior`` ahead
    (the decline reads the evidence without it). With ``anaphora``, a quoted sentence that
    opens on a pronoun or demonstrative ("These values…", "This is supplemented…") is
    shown with the sentence before it, which holds what the word stands for and often the
    answer itself. With ``unframe``, the question's meaning is read without its framing
    words ("according to the article", "the author says"). With ``labels``, a passage that
    only names what follows (a heading line such as "2.3. Limitations on Grant Scope", or
    a definition's term "1.5. "Incompatible With Secondary Licenses" means") stands for the
    passage after it: it matches the question's words, but the clause it names is what
    answers; a line that only repeats the document's title stands for nothing and never
    answers. With ``about_words``, the front-matter fields that name a document (its title,
    its section, such as "Licence text") answer a question naming that document only when
    the question holds a word of theirs beyond the name (a field word such as "title", or a
    word of the value not in the title): they are near every question that names it and say
    nothing else; its fields of fact (author, publisher, date) answer as before. A passage
    whose sentence defines the question's subject in legal drafting's grammar ("1.1.
    "Contributor" means ...") when the question asks little else ("who is a contributor")
    quotes that sentence and ranks ``definition`` ahead (the decline reads
    the evidence without it). With ``sections``, a question word that a passage's section
    headings hold ("7. Additional Terms.", "1.1. Scope" inside "1. Patents.") counts as
    present in all its sentences, as a document's name does. A question that points at a
    place in its document ("in the last line", "how does the op-ed open") is read without
    those words, the passages at that place rank up to ``place_prior`` ahead (the nearest
    most), and it is never declined for lack of words: the place is what it asks for
    (``bot.search.intent.asked_place``; 0 turns it off). Chosen on the tuning sets
    with ``bench/eval_quality.py --grid``; nearby values give nearly the same figures
    (docs/benchmarks.md).
    """

    similarity: float = 1.0
    coverage: float = 0.6
    bm25: float = 0.0
    context: float = 0.7
    answer_at: float = 0.33
    strong: float = 0.39
    relative: float = 0.8
    pair_bonus: float = 0.08
    pool: int = 20
    names: bool = True
    name_weight: float = 0.5
    name_prior: float = 0.3
    anaphora: bool = True
    unframe: bool = True
    labels: bool = True
    definition: float = 0.3
    sections: bool = True
    place_prior: float = 0.8
    about_words: bool = True


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
    absent: str = ""  # declined because it names a document the knowledge base lacks ("mit license")

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
    question_vector: np.ndarray | None = None,
) -> Answer:
    """Answer a raw question from the index; never raises on any input text.

    With ``vectors`` and ``encode`` the semantic layer ranks sentences by meaning as well as
    words, wherever every candidate passage has its vectors; otherwise the answer is lexical.
    ``question_vector`` is ``meaning_text(cleaned question)`` already encoded (the caller may
    need it too).
    ``decline=False`` shows the best passages even when the rule would decline (for
    measuring ranking apart from declining). A question naming a document of the kind the
    knowledge base holds but not one it has ("the MIT license" among three other licences)
    is declined with ``absent`` set, rather than answered from the nearest other document.
    """
    started = time.perf_counter()
    top = max(1, min(MAX_RESULTS, top))
    blend = blend or Blend()

    def done(
        status: Status, cleaned: str = "", results: tuple[Result, ...] = (), coverage: float = 0.0, absent: str = ""
    ) -> Answer:
        elapsed = (time.perf_counter() - started) * 1000
        return Answer(question, cleaned, status, results, elapsed, coverage, absent=absent)

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
    names = document_names(index, analyzer) if blend.names else None
    asked, place = _as_read(cleaned, analyzer, names, blend)
    query = read_question(asked, index, analyzer, speller)
    query, unheld = names.take_unheld(query, analyzer) if names is not None else (query, frozenset[int]())
    spelled: dict[str, int] = {}
    words: list[Word] = []
    if names is not None:
        words = list(analyzer.words(asked))  # read once for every name rule
        spelled = names.spelled_out(words, analyzer)
        query = names.take_versions(query, words, spelled)
    if not query.concepts and (place is None or (within is None and len(index.documents) != 1)):
        return done(Status.EMPTY, cleaned)
    named = names.named(query.term_ids) if names is not None else {}
    for term, position in spelled.items():
        term_id = index.vocab.get(term)
        if term_id is not None and term_id in query.term_ids:
            named.setdefault(term_id, position)
    named_docs = frozenset(named.values()) | unheld
    if decline and within is None and names is not None:
        # Asked about the MIT licence, the nearest answer is another licence's clause.
        absent = names.missing_version(asked, words, spelled) or absent_name(
            asked, query, analyzer, names, index, words
        )
        if not absent:
            absent = unknown_title(asked, words, query, analyzer, names, index, spelled)
        if absent:
            return done(Status.NOT_FOUND, cleaned, absent=absent)
    hits = index.top_concepts(query.searchable, max(_POOL, top), within)
    semantic = vectors is not None and encode is not None
    places = _places(index, place, within, named_docs, hits) if blend.place_prior else {}
    if not hits and not semantic and not places:
        return done(Status.NOT_FOUND, cleaned)
    # Re-rank the pool by BM25 blended with coverage, reading term presence from the
    # postings; only the passages finally shown get their quote chosen and highlighted.
    pool = np.array([ordinal for ordinal, _ in hits], dtype=np.int64)
    # Each pool passage's document, read once: the names rule and the prior both need it.
    pool_docs = index.positions(pool) if named_docs else None
    coverages, informatives = _pool_coverage(index, query, pool, named, pool_docs)
    best = max((score for _, score in hits), default=0.0) or 1.0
    ranked = [
        (score / best + COVERAGE_BLEND * coverages[i], -i, ordinal, score, float(coverages[i]), int(informatives[i]))
        for i, (ordinal, score) in enumerate(hits)
    ]
    if places:
        ranked = _placed(index, query, ranked, places, named, blend.place_prior)
    ranked.sort(reverse=True)
    coverage, informative = (ranked[0][4], ranked[0][5]) if ranked else (0.0, 0)
    weak = coverage < MIN_COVERAGE or (coverage < SINGLE_WORD_COVERAGE and informative < 2)
    weak = weak and not places
    if pool_docs is not None and blend.name_prior and ranked:
        # As on the semantic path: the named document ranks ahead, the decline above did not see it.
        ahead = set(np.flatnonzero(np.isin(pool_docs, list(named_docs))).tolist())
        ranked.sort(key=lambda r: (r[0] + blend.name_prior * (-r[1] in ahead), r[1]), reverse=True)  # r[1] is -i
    if blend.labels:
        ranked = _labels_to_followers(ranked, index)
    if semantic:
        assert vectors is not None and encode is not None
        vector = question_vector if question_vector is not None else encode([_meant(asked, blend)])[0]
        if named_docs and names is not None:
            naming = name_words(asked, analyzer, names, spelled, words)
            vector = without_name_meaning(vector, naming, encode, blend.name_weight)
        titles = names.words | names.kinds if names is not None else frozenset[str]()
        found = _semantic(
            index, analyzer, query, vector, hits, vectors, blend, top, within, weak, named, named_docs, titles, places
        )
        if found is not None:
            declined, results = found
            declined = declined and not places
            if (decline and declined) or not results:
                return done(Status.NOT_FOUND, cleaned, coverage=coverage)
            return done(Status.ANSWERED, cleaned, results, results[0].coverage)
    if not ranked:
        return done(Status.NOT_FOUND, cleaned)
    if decline and weak:
        return done(Status.NOT_FOUND, cleaned, coverage=coverage)
    values = _form_values(query, index)
    results = tuple(
        _result(index, analyzer, query, values, ordinal, score, coverage, informative)
        for _, _, ordinal, score, coverage, informative in ranked[:top]
    )
    return done(Status.ANSWERED, cleaned, results, results[0].coverage)


def meaning_text(cleaned: str, index: Index, analyzer: Analyzer, blend: Blend | None = None) -> str:
    """The text whose meaning sentences are compared with: what ``question_vector`` encodes."""
    blend = blend or Blend()
    names = document_names(index, analyzer) if blend.names else None
    return _meant(_as_read(cleaned, analyzer, names, blend)[0], blend)


def _as_read(cleaned: str, analyzer: Analyzer, names: Names | None, blend: Blend) -> tuple[str, Place | None]:
    """The question as read, and the place in its document it points at.

    A version glued to a name is set apart ("gplv3" -> "gpl v3"), and the words that say
    where ("in the last line") are taken out: they are no text's words.
    """
    asked = unglued(cleaned, analyzer, names) if names is not None else cleaned
    if not blend.place_prior:
        return asked, None
    place, rest = asked_place(asked)
    return (rest, place) if place is not None else (asked, None)


# How many passages from a document's end (or start) a place reaches, nearest first.
_PLACE_REACH = 2


def _places(
    index: Index,
    place: Place | None,
    within: tuple[int, int] | None,
    named_docs: frozenset[int],
    hits: Sequence[tuple[int, float]],
) -> dict[int, float]:
    """The passages at ``place`` in the document asked about, each -> how near (1 at the very end).

    The document is the one asked within, or named, or the only one, or else the one the
    question's words find first. Front matter and labels are not where a text ends.
    """
    if place is None:
        return {}
    if within is not None:
        docs = [int(index.positions(np.array([within[0]]))[0])]
    elif named_docs:
        docs = sorted(named_docs)
    elif len(index.documents) == 1:
        docs = [0]
    elif hits:
        docs = [int(index.positions(np.array([hits[0][0]]))[0])]
    else:
        return {}
    labels = index.labels
    found: dict[int, float] = {}
    for d in docs:
        lo, hi = int(index.first[d]), int(index.first[d + 1])
        walk = range(hi - 1, lo - 1, -1) if place is Place.END else range(lo, hi)
        reached = (o for o in walk if not labels[o] and not index.passages[o].is_about)
        for k, ordinal in enumerate(itertools.islice(reached, _PLACE_REACH)):
            found[ordinal] = 1.0 - k / _PLACE_REACH
    return found


def _placed(
    index: Index,
    query: Query,
    ranked: list[_Ranked],
    places: Mapping[int, float],
    named: Mapping[int, int],
    prior: float,
) -> list[_Ranked]:
    """The lexical ranking with the passages at the asked place added and moved ``prior`` ahead."""
    have = {entry[2] for entry in ranked}
    extra = np.array([o for o in places if o not in have], dtype=np.int64)
    coverages, informatives = _pool_coverage(index, query, extra, named)
    added = [
        (COVERAGE_BLEND * float(coverages[k]), -len(ranked) - k, int(o), 0.0, float(coverages[k]), int(informatives[k]))
        for k, o in enumerate(extra.tolist())
    ]
    return [
        (key + prior * places.get(o, 0.0), i, o, *rest)
        for key, i, o, *rest in [*ranked, *added]
        if not index.passages[o].is_about
    ]


def _meant(asked: str, blend: Blend) -> str:
    """``asked`` without its framing ("according to the article"), when the blend says so.

    The framing's words pull the question towards sentences about the author and the piece.
    """
    return (" ".join(FRAMING.sub(" ", asked).split()) or asked) if blend.unframe else asked


def _semantic(
    index: Index,
    analyzer: Analyzer,
    query: Query,
    question: np.ndarray,
    hits: list[tuple[int, float]],
    vectors: VectorTable,
    blend: Blend,
    top: int,
    within: tuple[int, int] | None,
    lexically_weak: bool,
    named: Mapping[int, int],
    named_docs: frozenset[int],
    titles: frozenset[str] = frozenset(),
    places: Mapping[int, float] | None = None,
) -> tuple[bool, tuple[Result, ...]] | None:
    """(declined, results) ranked by sentence meaning and words; None when vectors are missing.

    Candidates are the lexical pool plus the passages nearest the question by meaning, so a
    paraphrase that shares no word with its answer is still found. Every candidate sentence
    and consecutive pair is scored in a few array operations (one matrix product for the
    cosines, one presence table for the words), so the cost hardly grows with the pool.
    """
    nearest = vectors.nearest(question, blend.pool, within)
    bm25 = dict(hits)
    candidates = list(dict.fromkeys([*bm25, *nearest.tolist(), *(places or ())]))
    followers = _followers(index, candidates) if blend.labels else {}
    candidates = list(dict.fromkeys([*candidates, *followers.values()]))
    if not candidates or not all(vectors.has(o) for o in candidates):
        return None
    # Each candidate's document, read once: the names rule and the prior both need it.
    positions = index.positions(np.array(candidates, dtype=np.int64)) if named_docs else None
    windows = _score_windows(index, query, vectors, candidates, question, blend, named, positions, analyzer, titles)
    best_bm25 = max(bm25.values(), default=0.0) or 1.0
    totals = windows.evidence + blend.context * (vectors.passage_matrix[candidates] @ question)
    totals += blend.bm25 * np.array([bm25.get(o, 0.0) for o in candidates]) / best_bm25
    # A document the question names is the one it asks about: its passages rank ahead of
    # near-identical wording elsewhere, but the decline below reads the evidence alone
    # ("virtual hosts on an apache web server" names a licence and is still off topic).
    ranking = totals + (windows.told - windows.evidence)
    if positions is not None and blend.name_prior:
        ranking = ranking + blend.name_prior * np.isin(positions, list(named_docs))
    if blend.definition:
        ranking = ranking + blend.definition * windows.defines
    if places:
        # A place is in the body: the front matter is near every question, and at no place.
        ranking = ranking + blend.place_prior * np.array([places.get(o, 0.0) for o in candidates])
        ranking = np.where(windows.about, -np.inf, ranking)
    if followers:
        at = {ordinal: k for k, ordinal in enumerate(candidates)}
        ranking = ranking.copy()
        for label, follower in followers.items():
            ranking[at[follower]] = max(ranking[at[follower]], ranking[at[label]])
            ranking[at[label]] = -np.inf
    if blend.labels:
        # A body line repeating the title is near every question naming its document and answers
        # none: never the quote nor its rank (its nearness still counts for the decline).
        ranking = np.where(index.title_lines[candidates], -np.inf, ranking)
    order = np.argsort(-ranking, kind="stable")
    first = float(totals.max())  # the decline is the one the evidence alone would make
    share = first / (blend.similarity + blend.coverage + blend.context + blend.bm25)
    declined = share < blend.answer_at or (lexically_weak and share < blend.strong)
    lead = float(ranking[order[0]])
    # The front matter (title, byline, bio) is near every question on its document's topic
    # and answers few: it may lead ("who wrote this?") but never pads the answers after it.
    later = [int(i) for i in order[1:] if not windows.about[i]][: top - 1]
    shown = [int(order[0]), *(i for i in later if ranking[i] >= blend.relative * lead)]
    pool = np.array([candidates[i] for i in shown], dtype=np.int64)
    coverages, informatives = _pool_coverage(index, query, pool, named, None if positions is None else positions[shown])
    results = tuple(
        _make_result(
            index,
            analyzer,
            query,
            candidates[i],
            bm25.get(candidates[i], 0.0),
            windows.spans[i],
            float(coverages[k]),
            int(informatives[k]),
        )
        for k, i in enumerate(shown)
    )
    return declined, results


def is_label(passage: Passage) -> bool:
    """True for a passage that only names what follows (``is_label_text``), never the front matter."""
    return not passage.is_about and is_label_text(passage.text)


def _followers(index: Index, ordinals: Sequence[int]) -> dict[int, int]:
    """Each label among ``ordinals`` -> the passage it names: the next one of its document, not a label too.

    A line that only repeats its document's title names no passage: a question naming the
    document is nearest to it, and that nearness would go to whatever follows (a copyright line).
    """
    mask, titles = index.labels, index.title_lines
    labels = [o for o in ordinals if mask[o] and not titles[o]]
    if not labels:
        return {}
    ends = index.first[index.positions(np.array(labels, dtype=np.int64)) + 1]
    return {o: o + 1 for o, end in zip(labels, ends.tolist(), strict=True) if o + 1 < end and not mask[o + 1]}


def _labels_to_followers(ranked: list[_Ranked], index: Index) -> list[_Ranked]:
    """The lexical ranking with each label replaced by the passage it names, at the better place."""
    titles = index.title_lines
    ranked = [entry for entry in ranked if not titles[entry[2]]] or ranked  # the title line answers nothing
    followers = _followers(index, [entry[2] for entry in ranked])
    if not followers:
        return ranked
    kept: dict[int, _Ranked] = {}
    for entry in ranked:
        follower = followers.get(entry[2])
        ordinal = entry[2] if follower is None else follower
        if ordinal not in kept:
            kept[ordinal] = entry if follower is None else (*entry[:2], follower, *entry[3:])
    return list(kept.values())


# Closed-class words that open a sentence leaning on the one before (grammar, not topic).
_ANAPHOR = re.compile(r"(?:This|These|That|Those|Such|It|Its|They|Their|He|His|She|Her)\b")
# A sentence defining a quoted term, in legal drafting's grammar: 1.1. "Contributor" means,
# "Legal Entity" shall mean, To "modify" a work means, "This License" refers to.
_DEFINES = re.compile(
    r"(?:\S+\s+){0,3}?[\"“]([^\"”]{1,60})[\"”](?:\s+\S+){0,3}?\s+(?:shall\s+)?(?:means?|refers?\s+to)\b"
)


def _defines_subject(
    index: Index, analyzer: Analyzer, query: Query, passage: Passage, span: Span, titles: frozenset[str]
) -> bool:
    """True when the sentence defines a term the question is about and asks little else.

    "who is a 'Contributor'" shares its one word with every clause about contributors; the
    definition is the document's own answer. The question must hold every word of the
    defined term, at least one of them as a word that is not a title's ("what kind of
    license is the GPL" names the licence; it does not ask what "This License" means), and
    at most one content word besides the term and the words of titles.
    """
    found = _DEFINES.match(passage.source, span.start, span.end)
    if found is None:
        return False
    defined = {index.vocab.get(t) for w in analyzer.words(found.group(1)) for t in w.terms}
    if not defined or None in defined or not defined <= query.term_ids:
        return False
    asked = [c for c in query.concepts if analyzer.term(c.surface) not in titles]
    subject = [c for c in asked if c.term_ids & defined]
    return bool(subject) and len(asked) - len(subject) <= 1


@dataclass(frozen=True, slots=True)
class _Windows:
    """Per candidate passage: its best window's span and evidence.

    Also whether it defines the question's subject and whether it is front matter: both
    shape what is shown, never the decline.
    """

    spans: list[Span]
    evidence: np.ndarray
    told: np.ndarray  # the evidence of windows that state something (not a lone question)
    defines: np.ndarray
    about: np.ndarray


def _score_windows(
    index: Index,
    query: Query,
    vectors: VectorTable,
    candidates: list[int],
    question: np.ndarray,
    blend: Blend,
    named: Mapping[int, int] | None = None,
    positions: np.ndarray | None = None,
    analyzer: Analyzer | None = None,
    titles: frozenset[str] = frozenset(),
) -> _Windows:
    """Each candidate's best sentence or consecutive pair, by ``similarity * cos + coverage * words``.

    A pair is scored by the mean of its two sentence vectors, which measured as good as
    embedding the pair, and by the question words the two hold together. The quote is the
    pair when it scores within ``pair_bonus`` of the best sentence (the neighbour often
    holds what "he" or "it" stands for, or the answer itself); the passage's evidence is
    the better window's score either way. Front-matter units are never paired: each is a
    separate field value. ``positions`` is each candidate's document (read here when not given).
    """
    rows = np.concatenate([vectors.sentences(o) for o in candidates])  # type: ignore[misc]
    ids, lengths, counts = index.sentence_terms(candidates)
    if len(rows) != len(lengths):
        raise ValueError("sentence vectors do not match the index's sentences")
    terms = sorted(query.term_ids)
    present = _presence(terms, ids, lengths)
    # Before a name counts as present everywhere in its document: which words each sentence holds.
    held = present.copy() if blend.about_words and named and analyzer is not None else None
    if named:
        if positions is None:
            positions = index.positions(np.array(candidates, dtype=np.int64))
        doc_of = np.repeat(positions, counts)
        for c, t in enumerate(terms):
            if t in named:
                present[:, c] |= doc_of == named[t]
    if blend.sections:
        _add_context(index, candidates, counts, terms, present)
    both = present[:-1] | present[1:]
    cosines = rows @ question
    single = blend.similarity * cosines
    single += blend.coverage * _concept_coverage(query, {t: present[:, c] for c, t in enumerate(terms)}, len(rows))[0]
    # Pairs (i, i + 1) inside one passage: the cosine of the mean is the summed cosines over
    # the norm of the summed vectors.
    squares = np.einsum("ij,ij->i", rows, rows)
    dots = np.einsum("ij,ij->i", rows[:-1], rows[1:])
    norms = np.sqrt(np.maximum(squares[:-1] + squares[1:] + 2 * dots, 1e-12))
    pair = blend.similarity * (cosines[:-1] + cosines[1:]) / norms
    pair += blend.coverage * _concept_coverage(query, {t: both[:, c] for c, t in enumerate(terms)}, len(both))[0]
    spans: list[Span] = []
    evidence = np.empty(len(candidates))
    told = np.empty(len(candidates))
    defines = np.zeros(len(candidates), dtype=bool)
    about = np.zeros(len(candidates), dtype=bool)
    start = 0
    for k, ordinal in enumerate(candidates):
        passage = index.passages[ordinal]
        end = start + int(counts[k])
        # A question states nothing: a headline that asks one ("What does … mean?") is near
        # every question on its topic and answers none of them, and beside an answer it
        # lends that answer its nearness. Its windows still count as evidence that the
        # question is on topic (the decline), never as the quote or its rank.
        asking = _questions(index, analyzer, query, passage)
        singles = single[start:end]
        pairs = pair[start : end - 1] if not passage.is_about and end - start > 1 else pair[:0]
        best = max(float(singles.max()), float(pairs.max(initial=-np.inf)))
        if asking:
            singles, pairs = singles.copy(), pairs.copy()  # views into every candidate's scores
            singles[asking] = -np.inf
            pairs[[j for j in range(len(pairs)) if j in asking or j + 1 in asking]] = -np.inf
            if not np.isfinite(singles).any():
                singles = single[start:end]  # nothing but questions: quote as before, rank last
        i = int(np.argmax(singles))
        stated, span = float(singles[i]), passage.sentences[i]
        if len(pairs):
            j = int(np.argmax(pairs))
            if pairs[j] <= stated:
                # The bonus lets the best sentence take a neighbour, never move elsewhere: a
                # pair that does not hold it must score more than it on its own.
                j = max((k for k in (i - 1, i) if 0 <= k < len(pairs)), key=lambda k: pairs[k], default=j)
            if pairs[j] + blend.pair_bonus > stated:
                span = Span(passage.sentences[j].start, passage.sentences[j + 1].end)
            elif blend.anaphora and i > 0 and _ANAPHOR.match(passage.source, passage.sentences[i].start):
                span = Span(passage.sentences[i - 1].start, passage.sentences[i].end)
            stated = max(stated, float(pairs[j]))
        if asking and len(asking) == end - start:
            stated = -np.inf
        if held is not None and passage.is_about and positions is not None:
            silent = _silent_fields(index, analyzer, passage, int(positions[k]), terms, named, held[start:end])  # type: ignore[arg-type]
            if silent.all():
                stated = -np.inf  # its evidence still counts for the decline
            elif silent[i]:
                kept = np.where(silent, -np.inf, singles)
                i = int(np.argmax(kept))
                stated, span = float(kept[i]), passage.sentences[i]
        if blend.definition and analyzer is not None:
            # The definition is quoted and ranks ahead; the evidence (and so the decline) is unchanged.
            for sentence in passage.sentences:
                if _defines_subject(index, analyzer, query, passage, sentence, titles):
                    span, defines[k] = sentence, True
                    break
        spans.append(span)
        evidence[k], told[k], about[k] = best, stated, passage.is_about
        start = end
    return _Windows(spans, evidence, told, defines, about)


def _silent_fields(
    index: Index,
    analyzer: Analyzer,
    passage: Passage,
    doc: int,
    terms: Sequence[int],
    named: Mapping[int, int],
    held: np.ndarray,
) -> np.ndarray:
    """Per unit of a front-matter passage: True for a name field the question gives no word of its own.

    Only a document the question names is concerned, and only the fields that name or
    classify it (title, section): there the title's words are the name the question used,
    so those fields are near the question only because it named their document ("what does
    the PostgreSQL licence say about support?" is nearest its title, which says nothing
    about support; "Licence text" holds nothing but the kind of document). Fields of fact
    (author, publisher, date) stay free: "who drafted it" is near the author by meaning.
    """
    silent = np.zeros(len(passage.sentences), dtype=bool)
    if doc not in named.values() or not passage.sentences:
        return silent
    # The title's terms and their other spellings ("licence" for "License") are the name.
    title = analyzer.words(index.documents[doc].meta.title)
    name = {index.vocab.get(t) for w in title for t in (*w.terms, *spelling_terms(analyzer, w.base))}
    own = [c for c, t in enumerate(terms) if named.get(t) != doc and t not in name]
    speaks = held[:, own].any(axis=1) if own else np.zeros(len(held), dtype=bool)
    for k in range(len(silent)):  # the title is the first unit (a required field), the section any
        if k == 0 or (k < len(passage.labels) and passage.labels[k] == FIELD_LABELS["section"]):
            silent[k] = not speaks[k]
    return silent


def _questions(index: Index, analyzer: Analyzer | None, query: Query, passage: Passage) -> list[int]:
    """The passage's sentences that ask a question (end with "?"), unless asked for by field name.

    "what's the headline?" asks for the title, question or not: a front-matter unit whose
    field words ("headline", "title") the question holds is what it wants.
    """
    if "?" not in passage.text:
        return []
    found = []
    for k, span in enumerate(passage.sentences):
        if not span.of(passage.source).rstrip(" \"'”’)»").endswith("?"):
            continue
        field = passage.labels[k] if passage.is_about and analyzer is not None and k < len(passage.labels) else ""
        if field and any(index.vocab.get(t) in query.term_ids for t in analyzer.terms(field)):  # type: ignore[union-attr]
            continue
        found.append(k)
    return found


def _add_context(
    index: Index, candidates: Sequence[int], counts: np.ndarray, terms: list[int], present: np.ndarray
) -> None:
    """Mark the question words a candidate's section headings hold as present in all its sentences.

    "gplv3 section 7: can i add a term…" asks about the clauses under "7. Additional
    Terms."; the clause that answers never repeats its heading, as a clause never repeats
    its document's name.
    """
    row = 0
    for k, ordinal in enumerate(candidates):
        size = int(counts[k])
        context = index.context_terms(ordinal)
        if context:
            columns = [c for c, t in enumerate(terms) if t in context]
            if columns:
                present[row : row + size, columns] = True
        row += size


def _presence(terms: list[int], ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(sentences, ``terms``) booleans: which of the sorted question terms each sentence holds."""
    sorted_terms = np.array(terms, dtype=np.int64)
    present = np.zeros((len(lengths), len(terms)), dtype=bool)
    if len(terms) and len(ids):
        column = np.minimum(np.searchsorted(sorted_terms, ids), len(terms) - 1)
        found = sorted_terms[column] == ids
        sentence = np.repeat(np.arange(len(lengths)), lengths)
        present[sentence[found], column[found]] = True
    return present


def _pool_coverage(
    index: Index,
    query: Query,
    pool: np.ndarray,
    named: Mapping[int, int] | None = None,
    docs: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Coverage and informative-word count of each pool passage, from the postings.

    A term is present in a passage when the passage is in the term's postings
    (``Index.lookup``), or when it names the passage's document (``bot.search.naming``).
    ``docs`` is each pool passage's document (read here when not given).
    """
    present = {t: index.lookup(t, pool)[0] for t in query.term_ids}
    if named:
        docs = index.positions(pool) if docs is None else docs
        for t, position in named.items():
            present[t] = present[t] | (docs == position)
    return _concept_coverage(query, present, len(pool))


def _concept_coverage(query: Query, present: Mapping[int, np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray]:
    """``Query.coverage`` and the informative-word count of ``size`` texts at once.

    ``present`` holds, per question term, whether each text has it; a concept counts with
    the factor of its best form wholly present.
    """
    total = sum(c.weight for c in query.concepts)
    covered = np.zeros(size)
    informative = np.zeros(size, dtype=np.int64)
    for concept in query.concepts:
        found = np.zeros(size)
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
    return _make_result(index, analyzer, query, ordinal, score, span, coverage, informative, passage)


def _make_result(
    index: Index,
    analyzer: Analyzer,
    query: Query,
    ordinal: int,
    score: float,
    span: Span,
    coverage: float,
    informative: int,
    passage: Passage | None = None,
) -> Result:
    """A Result quoting ``span`` of the passage: always an exact slice of its source."""
    passage = passage if passage is not None else index.passages[ordinal]
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
