"""Typo and spelling-variant tolerance, always towards the index's own vocabulary.

A question word that the knowledge base does not contain is tried, in order, as a British
or American spelling variant ("defense" -> "defence") and then, only if it is not a real
English word, as a typo of a vocabulary term ("autor" -> "author", "peice" -> "piece").
Real words are left alone, so "pact" never becomes "part" and an off-topic question stays
off-topic.

Typo candidates come from a delete-neighbourhood (the SymSpell idea): every vocabulary term
is stored under itself and each of its one-letter deletions, and a question word looks up
its own deletions, so candidates are found without comparing against the whole vocabulary.
Each candidate is then checked with the optimal-string-alignment distance.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator

import numpy as np

__all__ = ["Speller", "osa_distance", "spelling_variants"]

_ALPHA = re.compile(r"^[a-z]+$")
# Longer "words" are pastes, not typos: their deletions-of-deletions would number hundreds
# of thousands (a question of one 500-letter word must not cost half a second).
MAX_TYPO_LENGTH = 24
# Endings that turn one member of a word family into another, as Snowball stems leave them
# ("ukrain"+"ian", "japan"+"es", "react"+"ion", "partner"+"ship"); "counter"+"part" is no family.
_SUFFIXES = frozenset(
    "s es e i y ed er ers or ors ing ion ions ation ations ive iv ist ists ism al ali ly ity iti "
    "ment ments ness ship ships ian ians an ans ese ic ical ish hood ful less ance ence ant ent".split()
)

# (pattern, replacement) pairs between British and American spelling, each way round.
_VARIANT_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"ense(s|d)?$", r"ence\1"),
        (r"ence(s|d)?$", r"ense\1"),
        (r"is(e|es|ed|ing|ation|ations|er|ers)$", r"iz\1"),
        (r"iz(e|es|ed|ing|ation|ations|er|ers)$", r"is\1"),
        (r"ys(e|es|ed|ing|er|ers)$", r"yz\1"),
        (r"yz(e|es|ed|ing|er|ers)$", r"ys\1"),
        (r"our(s|ed|ing|ite|ites|able|ful|less|hood)?$", r"or\1"),
        (r"([^aeiou])or(s|ed|ing|ite|ites|able|ful|less|hood)?$", r"\1our\2"),
        (r"([^aeiou])re(s|d)?$", r"\1er\2"),
        (r"([^aeiou])er(s)?$", r"\1re\2"),
        (r"ogue(s)?$", r"og\1"),
        (r"og(s)?$", r"ogue\1"),
        (r"([aeiou])ll(ed|ing|er|ers)$", r"\1l\2"),
        (r"([aeiou])l(ed|ing|er|ers)$", r"\1ll\2"),
        (r"ae", r"e"),
        (r"oe", r"e"),
        (r"amme(s)?$", r"am\1"),
        (r"am(s)?$", r"amme\1"),
    )
)


def spelling_variants(word: str) -> Iterator[str]:
    """British/American spellings of a lower-case word (the word itself excluded)."""
    seen = {word}
    for pattern, replacement in _VARIANT_RULES:
        variant = pattern.sub(replacement, word, count=1)
        if variant not in seen:
            seen.add(variant)
            yield variant


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (edits, adjacent swaps count one), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        best = current[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[len(b)], limit + 1)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class Speller:
    """Finds the vocabulary term a misspelled word most likely meant.

    The deletion neighbourhood is kept as two sorted numpy arrays (hash of a key, term
    number) rather than a dict of half a million string keys: building it then never holds
    the interpreter lock for long (a big dict resizes in one uninterruptible step, which
    would stall the bot's event loop during a reload), and it takes a fraction of the memory.
    Python's string hash is per process, so the arrays are never stored on disk.
    """

    def __init__(self, terms: Iterable[str], frequency: dict[str, int] | None = None) -> None:
        self._frequency = frequency or {}
        alphabetic = sorted(t for t in terms if len(t) >= 3 and _ALPHA.match(t))
        self._sorted = alphabetic
        self._known = frozenset(alphabetic)
        hashes: list[int] = []
        owners: list[int] = []
        for number, term in enumerate(alphabetic):
            keys = _deletes(term)
            keys.add(term)
            hashes.extend(hash(key) for key in keys)
            owners.extend([number] * len(keys))
        keys_array = np.array(hashes, dtype=np.int64)
        order = np.argsort(keys_array, kind="stable")
        self._keys = keys_array[order]
        self._owners = np.array(owners, dtype=np.int32)[order]

    def _lookup(self, keys: set[str]) -> set[str]:
        """Vocabulary terms stored under any of the keys."""
        wanted = np.fromiter((hash(k) for k in keys), dtype=np.int64, count=len(keys))
        lo = np.searchsorted(self._keys, wanted, side="left")
        hi = np.searchsorted(self._keys, wanted, side="right")
        found: set[str] = set()
        for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
            found.update(self._sorted[i] for i in self._owners[a:b].tolist())
        return found

    def __len__(self) -> int:
        return len(self._keys)

    def relatives(self, term: str, shortest: int = 5) -> list[str]:
        """Vocabulary terms of the same word family: one is a prefix of the other.

        Snowball stems "reaction" to reaction but "reacted" to react, and "Ukrainian" to
        ukrainian but "Ukraine" to ukrain; a whole term of at least ``shortest`` letters that
        the other term extends by a derivational ending ties them. Callers give these a
        reduced weight.
        """
        if len(term) < shortest or not _ALPHA.match(term):
            return []
        found = [term[:n] for n in range(shortest, len(term)) if term[:n] in self._known and term[n:] in _SUFFIXES]
        start = bisect.bisect_right(self._sorted, term)
        for candidate in self._sorted[start : start + 200]:
            if not candidate.startswith(term):
                break
            if candidate[len(term) :] in _SUFFIXES:
                found.append(candidate)
        return found

    def candidates(self, word: str, most: int = 3) -> list[str]:
        """Vocabulary terms at the smallest distance within 1 edit (2 for words of 7+ letters).

        Terms are indexed by their one-letter deletions and a word looks up its deletions up
        to two deep, so every single edit is found and, for long words, two extra letters or
        one extra and one missing; two missing letters are not (that would cost a second
        level of deletions for the whole vocabulary).

        Several terms can be equally close ("autor": author, actor); the question's other
        words decide between them at ranking time. More frequent terms come first.
        """
        if not 4 <= len(word) <= MAX_TYPO_LENGTH or not _ALPHA.match(word):
            return []
        limit = 2 if len(word) >= 7 else 1
        keys = {word} | _deletes(word)
        if limit == 2:
            keys |= {d2 for d1 in _deletes(word) for d2 in _deletes(d1)}
        found = {term: osa_distance(word, term, limit) for term in self._lookup(keys)}
        close = [(d, t) for t, d in found.items() if 0 < d <= limit]
        if not close:
            return []
        nearest = min(d for d, _ in close)
        best = sorted((t for d, t in close if d == nearest), key=lambda t: (-self._frequency.get(t, 0), t))
        return best[:most]
