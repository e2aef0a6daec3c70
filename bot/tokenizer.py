"""The one analyzer that turns passages and questions into search terms.

Both sides of the search must agree on every rule, so there is exactly one: lower-case,
Unicode words, numbers kept ("1945", "3.5"), possessives and clitics dropped ("Japan’s" ->
japan), hyphenated words searchable whole and by their parts ("EU-Japan" -> eu-japan, eu,
japan), English stop words removed unless written as an acronym ("US"), and Snowball
stemming. The choice of these options was measured: see ``bench/eval_quality.py``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import Stemmer

from bot.lexicon import STOP_WORDS

__all__ = ["Analyzer", "Word"]

_WORD = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:['’‑\-][^\W_]+)*")
_CLITICS = frozenset({"s", "t", "re", "ll", "ve", "d", "m"})
_HYPHENS = re.compile(r"[‑\-]")
_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    """One stemmer per thread: PyStemmer objects keep a cache and are not thread-safe."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


@dataclass(frozen=True, slots=True)
class Word:
    """A word of a text with its offsets, lower-cased surface form and search terms."""

    start: int
    end: int
    surface: str
    terms: tuple[str, ...]

    @property
    def base(self) -> str:
        """The surface form without a possessive or clitic ("japan's" -> "japan")."""
        head, _, tail = self.surface.rpartition("'")
        return head if head and tail in _CLITICS else self.surface.replace("'", "")


@dataclass(frozen=True)
class Analyzer:
    """Deterministic text -> terms; options exist so the benchmark can compare them."""

    stem: bool = True
    stop_words: bool = True
    split_hyphens: bool = True

    def terms(self, text: str) -> list[str]:
        """All search terms of a text, in order, repeats kept (the input to BM25)."""
        pieces: list[str] = []
        previous = ""
        for raw in _WORD.findall(text):
            pieces.extend(self._pieces(raw, previous))
            previous = raw
        return self._stem_all(pieces)

    def words(self, text: str) -> Iterator[Word]:
        """Each word with its offsets and terms (for questions and highlighting)."""
        previous = ""
        for match in _WORD.finditer(text):
            raw = match.group()
            terms = tuple(self._stem_all(self._pieces(raw, previous)))
            yield Word(match.start(), match.end(), _surface(raw), terms)
            previous = raw

    def term(self, surface: str) -> str:
        """The term of one lower-case word, whether or not it is a stop word."""
        return _stemmer().stemWord(surface) if self.stem else surface

    def is_stop_word(self, surface: str) -> bool:
        """True for a lower-case word this analyzer drops."""
        return self.stop_words and surface in STOP_WORDS

    def _stem_all(self, pieces: list[str]) -> list[str]:
        return _stemmer().stemWords(pieces) if self.stem else pieces

    def _pieces(self, raw: str, previous: str) -> list[str]:
        """Unstemmed lower-case pieces of one word match."""
        word = _surface(raw)
        if self.stop_words and word.endswith("n't"):
            return []  # negated auxiliaries ("don't", "won't") are all stop words
        if "'" in word:
            parts = word.split("'")
            if len(parts) > 1 and parts[-1] in _CLITICS:
                parts = parts[:-1]
            word = "".join(parts)
            if not word:
                return []
        if self.split_hyphens and _HYPHENS.search(word):
            parts = [p for p in _HYPHENS.split(word) if p]
            whole = "-".join(parts)
            return [whole, *(p for p in parts if not self._drops(p, p))]
        if self._drops(word, raw, previous):
            return []
        return [word]

    def _drops(self, word: str, raw: str, previous: str = "") -> bool:
        """Stop words go, except acronyms ("US", "IT") and "the us"."""
        if not self.stop_words or word not in STOP_WORDS:
            return False
        if len(raw) > 1 and raw.isupper():
            return False
        return not (word == "us" and previous.lower() == "the")


def _surface(raw: str) -> str:
    return raw.lower().replace("’", "'").replace("‑", "-")
