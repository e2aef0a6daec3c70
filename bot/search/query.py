"""A cleaned question -> the concepts it asks about, each tied to index terms.

Each content word of the question is one concept, searched for by every way the index may
hold it: the word itself (a hyphenated word also by its parts), an everyday expansion ("UN"
-> United Nations, "Brussels" -> EU), a British/American spelling ("defense" -> defence)
and, for a word that is not English at all, the vocabulary terms it may misspell ("autor" ->
author or actor; the passage that fits the rest of the question decides). Words the index
cannot match stay in the query as missing concepts, because the decline rule needs to know
that part of the question found nothing.

Each concept has a weight, its information content in general English (rare words say more
about what is asked than common ones), which the decline rule uses to measure how much of
the question a passage answers. Phrases that only point at the document ("according to
the article") are removed first.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from functools import cache

from bot.search.index import Index
from bot.search.lexicon import CHAT_NOISE, FRAMING, STOP_WORDS, english_frequency
from bot.search.spelling import Speller, osa_distance, spelling_variants
from bot.search.tokenizer import Analyzer

__all__ = ["Concept", "Form", "Match", "Query", "information", "read_question"]

# A word at least this common in English carries little information of its own.
_COMMON_IC = 6.0
_MIN_WEIGHT = 0.5
_NUMBER_IC = 12.0
_NUMBER = re.compile(r"^[\d.,]+$")

# How much a match through each route counts, relative to the word itself.
DERIVED_FACTOR = 0.6


class Match(Enum):
    """How a question word was tied to the index."""

    EXACT = "exact"
    VARIANT = "variant"
    TYPO = "typo"
    DERIVED = "derived"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class Form:
    """One way the index may hold a word: a term, or a phrase of terms, and how much it counts."""

    terms: tuple[int, ...]
    factor: float = 1.0


@dataclass(frozen=True, slots=True)
class Concept:
    """One content word of the question and the ways the index may hold it."""

    surface: str
    forms: tuple[Form, ...]
    weight: float
    match: Match

    @property
    def term_ids(self) -> frozenset[int]:
        """Every index term that can stand for this word."""
        return frozenset(t for form in self.forms for t in form.terms)

    def presence(self, terms: set[int] | frozenset[int]) -> float:
        """The factor of the best form wholly among ``terms`` (0 when none is)."""
        return max((f.factor for f in self.forms if all(t in terms for t in f.terms)), default=0.0)


@dataclass(frozen=True, slots=True)
class Query:
    """The concepts of one question."""

    concepts: tuple[Concept, ...]

    @property
    def searchable(self) -> list[list[tuple[tuple[int, ...], float]]]:
        """Forms of the concepts the index can match, for ``Index.score_concepts``."""
        return [[(f.terms, f.factor) for f in c.forms] for c in self.concepts if c.forms]

    @property
    def term_ids(self) -> frozenset[int]:
        """All index terms the question matched."""
        return frozenset(t for c in self.concepts for t in c.term_ids)

    def coverage(self, terms: set[int] | frozenset[int]) -> float:
        """Share of the question's information found among ``terms`` (0-1)."""
        total = sum(c.weight for c in self.concepts)
        return sum(c.weight * c.presence(terms) for c in self.concepts) / total if total > 0 else 0.0


@cache
def _information_scale() -> tuple[dict[str, int], float, int]:
    counts = english_frequency()
    return counts, float(sum(counts.values())), min(counts.values(), default=1)


def information(word: str) -> float:
    """How much a word says, from its frequency in general English (rarer says more)."""
    counts, total, floor = _information_scale()
    if _NUMBER.match(word):
        ic = _NUMBER_IC
    else:
        parts = [p for p in word.split("-") if p] or [word]
        ic = max(math.log(total / counts.get(p, floor)) for p in parts)
    return max(ic - _COMMON_IC, _MIN_WEIGHT)


def read_question(text: str, index: Index, analyzer: Analyzer, speller: Speller | None) -> Query:
    """Turn a cleaned question into concepts tied to this index's vocabulary."""
    english = english_frequency()
    text = FRAMING.sub(" ", text)
    concepts: list[Concept] = []
    seen: set[str] = set()
    for word in analyzer.words(text):
        base = word.base
        if not word.terms or base in CHAT_NOISE or base in seen:
            continue
        seen.add(base)
        if len(word.terms) > 1 and word.terms[0] not in index.vocab:
            # A hyphenated word the index never uses whole ("japan-eu"): its parts are
            # separate things the question asks about.
            parts = [p for p in base.split("-") if p and not analyzer.is_stop_word(p)]
            pieces = [(term, part) for term, part in zip(word.terms[1:], parts, strict=False)]
        else:
            pieces = [(word.terms, base)]
        for terms, surface in pieces:
            terms = (terms,) if isinstance(terms, str) else terms
            concept = _concept(terms, surface, index, analyzer, speller, english)
            if concept is not None:
                concepts.append(concept)
    return Query(tuple(concepts))


def _concept(
    terms: tuple[str, ...],
    word: str,
    index: Index,
    analyzer: Analyzer,
    speller: Speller | None,
    english: dict[str, int],
) -> Concept | None:
    """All the ways the index may hold one question word; the first route that finds any names the match."""
    weight = information(word)
    stem = terms[0]
    forms: list[Form] = []
    match = Match.MISSING

    def add(found: tuple[Form, ...], kind: Match) -> None:
        nonlocal match
        if found:
            forms.extend(found)
            if match is Match.MISSING:
                match = kind

    add(_forms(index, [(t,) for t in terms]), Match.EXACT)
    if match is Match.MISSING:
        add(_phrase_forms(index, analyzer, spelling_variants(word)), Match.VARIANT)
    if speller is not None:
        add(_derived(index, speller, stem), Match.DERIVED)
    if match is Match.MISSING and speller is not None and word not in english and word.isalpha():
        if any(osa_distance(word, stop, 1) <= 1 for stop in _stop_words_near(word)):
            return None  # a misspelt function word ("wich"), not content
        candidates = speller.candidates(analyzer.term(word))
        if candidates:
            known = [information(c) for c in candidates if c in english]
            weight = min(weight, min(known)) if known else weight
            add(tuple(Form((index.vocab[c],)) for c in candidates), Match.TYPO)
    if match is Match.MISSING and len(word) <= 2:
        weight = _MIN_WEIGHT  # stray letters and unknown short abbreviations say little
    return Concept(word, _unique(tuple(forms)), weight, match)


def _derived(index: Index, speller: Speller, term: str) -> tuple[Form, ...]:
    """Other members of the word's family in the index ("reaction" for react), at reduced weight."""
    return tuple(Form((index.vocab[t],), DERIVED_FACTOR) for t in speller.relatives(term) if t in index.vocab)


def _forms(index: Index, groups: Iterable[tuple[str, ...]]) -> tuple[Form, ...]:
    """Forms for the groups whose terms are all in the index."""
    out: list[Form] = []
    for group in groups:
        if group and all(t in index.vocab for t in group):
            out.append(Form(tuple(index.vocab[t] for t in group)))
    return tuple(out)


def _phrase_forms(index: Index, analyzer: Analyzer, phrases: Iterable[str]) -> tuple[Form, ...]:
    return _forms(index, (tuple(analyzer.terms(p)) for p in phrases))


def _unique(forms: tuple[Form, ...]) -> tuple[Form, ...]:
    """First occurrence of each term group wins (so an exact form keeps factor 1)."""
    seen: dict[tuple[int, ...], Form] = {}
    for form in forms:
        seen.setdefault(form.terms, form)
    return tuple(seen.values())


@cache
def _stop_words_by_length() -> dict[int, tuple[str, ...]]:
    table: dict[int, list[str]] = {}
    for word in STOP_WORDS:
        if len(word) >= 3:
            table.setdefault(len(word), []).append(word)
    return {n: tuple(sorted(words)) for n, words in table.items()}


def _stop_words_near(word: str) -> list[str]:
    table = _stop_words_by_length()
    return [w for n in (len(word) - 1, len(word), len(word) + 1) for w in table.get(n, ())]
