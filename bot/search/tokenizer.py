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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import Stemmer

from bot.search.lexicon import STOP_WORDS

__all__ = ["Analyzer", "Word"]

_WORD = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:['’‑\-][^\W_]+)*")
# Characters that only surround words (never inside one): stripped before the fast path.
_EDGE = "\"'()[]{}<>.,;:!?“”‘’«»—–…*_~|`#@/\\&%$+=^"
_CLITICS = frozenset({"s", "t", "re", "ll", "ve", "d", "m"})
_HYPHENS = re.compile(r"[‑\-]")
_local = threading.local()


_STEM_CACHE_LIMIT = 400_000


def _stems() -> dict[str, str]:
    """Per-thread word -> stem memo.

    PyStemmer's own cache holds 10,000 words; a large knowledge base has far more distinct
    words, and a dict lookup is cheaper than stemming again.
    """
    cache = getattr(_local, "stems", None)
    if cache is None:
        cache = _local.stems = {}
    return cache


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
        """All search terms of a text, in order, repeats kept (the input to BM25).

        This is the indexing hot path (millions of words for a large knowledge base). A
        white-space token that is one alphanumeric word once its surrounding punctuation is
        stripped takes an inlined fast path; anything else goes through the word regex and
        ``_pieces``. Both give exactly ``_WORD.findall`` words (tests/search/test_tokenizer.py).
        """
        pieces: list[str] = []
        self._unstemmed(text, pieces)
        return self._stem_all(pieces)

    def terms_many(self, texts: Iterable[str]) -> tuple[list[str], list[int]]:
        """The terms of many texts at once: one flat list, and how many came from each text.

        Equal to ``terms`` applied to each text (the word before a text's first word is not
        looked at), but stems each distinct word once per call: how a whole document is
        tokenized when it is indexed.
        """
        pieces: list[str] = []
        lengths: list[int] = []
        for text in texts:
            before = len(pieces)
            self._unstemmed(text, pieces)
            lengths.append(len(pieces) - before)
        return self._stem_all(pieces), lengths

    def _unstemmed(self, text: str, pieces: list[str]) -> None:
        """Append a text's words, before stemming, to ``pieces``: the loop both callers share."""
        append = pieces.append
        stops = STOP_WORDS if self.stop_words else frozenset()
        previous = ""
        for token in text.split():
            core = token.strip(_EDGE)
            if core.isalnum():
                word = core.lower()
                if word not in stops or (len(core) > 1 and core.isupper()) or (word == "us" and previous == "the"):
                    append(word)
                previous = word
            elif core:
                for raw in _WORD.findall(token):
                    pieces.extend(self._pieces(raw, previous))
                    previous = raw.lower()

    def words(self, text: str) -> Iterator[Word]:
        """Each word with its offsets and terms (for questions and highlighting)."""
        found: list[tuple[int, int, str, list[str]]] = []
        pieces: list[str] = []
        previous = ""
        stops = STOP_WORDS if self.stop_words else frozenset()
        for match in _WORD.finditer(text):
            raw = match.group()
            if raw.isalnum():
                word = raw.lower()
                keep = word not in stops or (len(raw) > 1 and raw.isupper()) or (word == "us" and previous == "the")
                own = [word] if keep else []
            else:
                own = self._pieces(raw, previous)
            found.append((match.start(), match.end(), raw, own))
            pieces.extend(own)
            previous = raw.lower()
        stems = iter(self._stem_all(pieces))
        for start, end, raw, own in found:
            yield Word(start, end, _surface(raw), tuple(next(stems) for _ in own))

    def matching_spans(self, text: str, wanted: set[str] | frozenset[str]) -> list[tuple[int, int]]:
        """(start, end) of the words of ``text`` having a term in ``wanted`` (for bold).

        The same analysis as ``words``, without building a Word for every word.
        """
        spans: list[tuple[int, int]] = []
        stops = STOP_WORDS if self.stop_words else frozenset()
        cache = _stems()
        previous = ""
        for match in _WORD.finditer(text):
            raw = match.group()
            if raw.isalnum():
                word = raw.lower()
                if word not in stops or (len(raw) > 1 and raw.isupper()) or (word == "us" and previous == "the"):
                    stem = cache.get(word) if self.stem else word
                    if stem is None:
                        stem = self._stem_all([word])[0]
                    if stem in wanted:
                        spans.append(match.span())
            elif any(t in wanted for t in self._stem_all(self._pieces(raw, previous))):
                spans.append(match.span())
            previous = raw.lower()
        return spans

    def term(self, surface: str) -> str:
        """The term of one lower-case word, whether or not it is a stop word."""
        return _stemmer().stemWord(surface) if self.stem else surface

    def is_stop_word(self, surface: str) -> bool:
        """True for a lower-case word this analyzer drops."""
        return self.stop_words and surface in STOP_WORDS

    def _stem_all(self, pieces: list[str]) -> list[str]:
        if not self.stem:
            return pieces
        cache = _stems()
        missing = [w for w in set(pieces) if w not in cache]
        if missing:
            if len(cache) > _STEM_CACHE_LIMIT:
                cache.clear()
            cache.update(zip(missing, _stemmer().stemWords(missing), strict=True))
        return [cache[w] for w in pieces]

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
