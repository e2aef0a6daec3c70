"""Words of a question that name a document rather than ask about it.

"can i use apache code in a closed source app" says which document it means with "apache";
the clause that answers it (the copyright grant) never says "Apache". Scored as a content
word, the name picks the few sentences that repeat it (a title line, an appendix heading, a
preamble) over the clause that answers. A document's title and id are the context of every
one of its passages, the way a heading is the context of the paragraphs below it: a name
word counts as present in every passage of the document it names, and its meaning is taken
out of the question's vector before sentences are compared with it.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from bot.search.index import Index
from bot.search.tokenizer import Analyzer
from bot.search.vectors import Encode

__all__ = ["Names", "document_names", "name_words", "without_name_meaning"]

# A numeral ("3" of "GPL-3", "2.0") names nothing by itself: "section 3" is not GPL-3.
_NUMERAL = re.compile(r"^[\d.]+$")

_cache: weakref.WeakKeyDictionary[Index, Names] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Names:
    """Term id -> position of the one document that term names."""

    terms: Mapping[int, int]

    def named(self, term_ids: frozenset[int]) -> dict[int, int]:
        """The question's name terms and the document each names."""
        return {t: self.terms[t] for t in term_ids if t in self.terms}


def document_names(index: Index, analyzer: Analyzer) -> Names:
    """The name terms of ``index``'s documents, computed once per index.

    A term names a document of several when it is in that document's title or id and in no other
    document's ("license" in three licence titles names none of them), and when most
    passages holding it are that document's: "mean" in the article's title "What does …
    actually mean?" is a definition word all over a licence, so it names nothing there.
    """
    with _lock:
        found = _cache.get(index)
    if found is not None:
        return found
    owners: dict[str, set[int]] = {}
    # With one document there is nothing to choose between, and its title words are its topic.
    for position, document in enumerate(index.documents if len(index.documents) > 1 else ()):
        words = f"{document.meta.title} {document.doc_id.replace('-', ' ')}"
        for term in set(analyzer.terms(words)):
            if not _NUMERAL.match(term):
                owners.setdefault(term, set()).add(position)
    terms: dict[int, int] = {}
    for term, docs in owners.items():
        term_id = index.vocab.get(term)
        if term_id is None or len(docs) != 1:
            continue
        position = next(iter(docs))
        postings, _ = index.column(term_id)
        lo, hi = int(index.first[position]), int(index.first[position + 1])
        inside = int(np.count_nonzero((postings >= lo) & (postings < hi)))
        if inside * 2 >= len(postings):
            terms[term_id] = position
    found = Names(terms)
    with _lock:
        _cache[index] = found
    return found


def name_words(text: str, analyzer: Analyzer, index: Index, named: Mapping[int, int]) -> str:
    """The words of ``text`` that name a document, as written ("Apache", "mozilla")."""
    names = {index.terms[t] for t in named}
    return " ".join(w.surface for w in analyzer.words(text) if w.terms and all(t in names for t in w.terms))


def without_name_meaning(question: np.ndarray, words: str, encode: Encode, weight: float) -> np.ndarray:
    """The question vector less ``weight`` times the vector of its name words, renormalised.

    Measured against re-encoding the question without the words: as good on the
    several-document sets (docs/benchmarks.md), and a name's vector is encoded once and
    kept, so a question costs no second encoding.
    """
    if not words or weight <= 0:
        return question
    moved = question - weight * _vector_of(encode, words)
    norm = float(np.linalg.norm(moved))
    return moved / norm if norm > 0 else question


@lru_cache(maxsize=1024)
def _vector_of(encode: Callable[[list[str]], np.ndarray], words: str) -> np.ndarray:
    vector = np.asarray(encode([words])[0], dtype=np.float32)
    vector.setflags(write=False)
    return vector
