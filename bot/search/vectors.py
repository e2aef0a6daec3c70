"""Sentence vectors for an index: one per sentence row of each document's Layout.

Vectors are computed once per document (they depend only on its text and the model), kept
as float16 and, for search, summarised per passage as the normalised mean of its
sentences: a matrix product of the question with that matrix finds passages that share no
word with the question, which is the whole point of a semantic layer. A document whose
vectors are not computed yet simply has no rows here; answering falls back to lexical
evidence for it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from bot.knowledge.documents import Document
from bot.knowledge.passages import Layout, about_labels, about_text
from bot.search.index import Index

__all__ = ["Encode", "VectorTable", "sentence_texts"]

# A function from texts to unit-length float32 rows (the encoder's ``encode``).
Encode = Callable[[Sequence[str]], np.ndarray]
Key = tuple[str, str]


def sentence_texts(document: Document, layout: Layout) -> list[str]:
    """The text embedded for each sentence row of a document, in row order.

    Body sentences are embedded as they are. A front-matter unit is a bare value ("Hugo
    Blewett-Mundy", "EUobserver") that means little alone, so it is embedded with the name
    of its field ("Author: Hugo Blewett-Mundy"), the way a reader sees it on the page: then
    "who wrote this?" finds the byline by meaning, as the hidden field words let it by words.
    """
    about_end = int(layout.sentence_ptr[1])
    about = about_text(document.meta)
    labels = about_labels(document.meta)
    body = document.body
    starts, ends = layout.sentence_starts.tolist(), layout.sentence_ends.tolist()
    texts = []
    for i, (lo, hi) in enumerate(zip(starts, ends, strict=True)):
        if i < about_end:
            label = labels[i].split()[0].capitalize() if i < len(labels) and labels[i].strip() else ""
            texts.append(f"{label}: {about[lo:hi]}" if label else about[lo:hi])
        else:
            texts.append(body[lo:hi])
    return texts


@dataclass(frozen=True, eq=False)
class VectorTable:
    """The sentence vectors of the documents of one index that have them, by index position."""

    index: Index
    model: str
    per_document: tuple[np.ndarray | None, ...]  # float16 (rows, dim) per document, None if not ready
    _cache: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, index: Index, model: str, vectors: Mapping[Key, np.ndarray]) -> VectorTable:
        """Attach the vectors that match each document's digest and sentence count."""
        per_document: list[np.ndarray | None] = []
        for document, layout in zip(index.documents, index.layouts, strict=True):
            found = vectors.get((document.doc_id, document.digest))
            rows = len(layout.sentence_starts)
            per_document.append(found if found is not None and found.shape[0] == rows else None)
        return cls(index, model, tuple(per_document))

    @property
    def complete(self) -> bool:
        """True when every document has its vectors."""
        return all(v is not None for v in self.per_document)

    @property
    def ready_documents(self) -> int:
        """How many documents have vectors."""
        return sum(v is not None for v in self.per_document)

    def has(self, ordinal: int) -> bool:
        """Whether a passage's document has vectors."""
        return self.per_document[self.index.locate(ordinal)[0]] is not None

    def sentences(self, ordinal: int) -> np.ndarray | None:
        """The passage's sentence vectors as float32 rows, or None when its document has none."""
        d, j = self.index.locate(ordinal)
        vectors = self.per_document[d]
        if vectors is None:
            return None
        layout = self.index.layouts[d]
        return np.asarray(vectors[int(layout.sentence_ptr[j]) : int(layout.sentence_ptr[j + 1])], dtype=np.float32)

    @functools.cached_property
    def passage_matrix(self) -> np.ndarray:
        """Per passage, the normalised mean of its sentence vectors (zero rows where missing)."""
        dim = next((v.shape[1] for v in self.per_document if v is not None), 0)
        matrix = np.zeros((self.index.size, dim), dtype=np.float32)
        for d, vectors in enumerate(self.per_document):
            if vectors is None or not len(vectors):
                continue
            ptr = self.index.layouts[d].sentence_ptr
            sums = np.add.reduceat(np.asarray(vectors, dtype=np.float32), ptr[:-1].astype(np.int64), axis=0)
            empty = np.diff(ptr) == 0
            sums[empty] = 0.0
            first = int(self.index.first[d])
            matrix[first : first + len(sums)] = sums
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        np.divide(matrix, norms, out=matrix, where=norms > 0)
        return matrix

    def nearest(self, query: np.ndarray, k: int, within: tuple[int, int] | None = None) -> np.ndarray:
        """Ordinals of the ``k`` passages whose mean vector is closest to the query, best first."""
        matrix = self.passage_matrix
        lo, hi = within or (0, len(matrix))
        if hi <= lo or matrix.shape[1] == 0:
            return np.zeros(0, dtype=np.int64)
        scores = matrix[lo:hi] @ query
        k = min(k, hi - lo)
        top = np.argpartition(-scores, k - 1)[:k]
        return (top[np.argsort(-scores[top], kind="stable")] + lo).astype(np.int64)
