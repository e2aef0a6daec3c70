"""Sentence vectors on disk, one float16 ``.npy`` file per document, memory-mapped on load.

A document's vectors depend only on its bytes, on how it is cut into sentences and on the
model, so the file is named by the document's content digest inside a folder named by the
index version (which changes whenever sentence splitting does) and the model's identity:
an edit, a new splitter or another model never reuses stale vectors, and unchanged
documents are never embedded twice, across restarts, reloads and processes sharing the
cache folder. Files hold numbers only (``allow_pickle=False``), are checked for shape,
type and finiteness before use, and are written atomically.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.knowledge.documents import Document
from bot.knowledge.passages import Layout
from bot.search.index import INDEX_VERSION
from bot.search.vectors import Encode, sentence_texts

__all__ = ["EmbedProgress", "VectorStore", "embed_documents"]

log = logging.getLogger(__name__)

Key = tuple[str, str]
# Sentences per encoder call while embedding documents: large enough that the encoder's
# own length-sorted batching pays off, small enough to report progress often.
EMBED_CHUNK = 256


def _slug(model: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", model)[:80]


class VectorStore:
    """Per-document sentence vectors under ``<cache>/vectors/<model>-v<index version>/``."""

    def __init__(self, cache_dir: str | os.PathLike[str], model: str) -> None:
        self.model = model
        self.folder = Path(cache_dir) / "vectors" / f"{_slug(model)}-v{INDEX_VERSION}"

    def path(self, digest: str) -> Path:
        """Where a document's vectors live (two-character fan-out keeps folders small)."""
        return self.folder / digest[:2] / f"{digest}.npy"

    def load(self, digest: str, rows: int, dim: int) -> np.ndarray | None:
        """The stored vectors, memory-mapped, or None when absent or not exactly as expected."""
        path = self.path(digest)
        try:
            vectors = np.load(path, mmap_mode="r", allow_pickle=False)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable vectors %s: %s", path.name, exc)
            return None
        if vectors.dtype != np.float16 or vectors.shape != (rows, dim) or not np.isfinite(vectors).all():
            log.warning("ignoring vectors %s: shape %s %s, expected (%d, %d) float16", path.name, vectors.shape,
                        vectors.dtype, rows, dim)  # fmt: skip
            return None
        return vectors

    def save(self, digest: str, vectors: np.ndarray) -> np.ndarray:
        """Write atomically and return the stored (memory-mapped) copy; disk errors only log."""
        data = np.ascontiguousarray(vectors, dtype=np.float16)
        path = self.path(digest)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".writing-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    np.save(handle, data, allow_pickle=False)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.warning("could not cache sentence vectors in %s: %s", self.folder, exc)
            return data
        return np.load(path, mmap_mode="r", allow_pickle=False)


@dataclass(frozen=True, slots=True)
class EmbedProgress:
    """How far an embedding run is, for progress bars and log lines."""

    documents_done: int
    documents: int
    sentences_done: int
    sentences: int
    elapsed_s: float


def embed_documents(
    items: Sequence[tuple[Document, Layout]],
    encode: Encode,
    dim: int,
    store: VectorStore | None,
    *,
    progress: Callable[[EmbedProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> dict[Key, np.ndarray]:
    """Vectors for each document, from the store when there, else encoded (and stored).

    Sentences of several small documents share encoder calls, so a knowledge base of short
    documents embeds as fast as one long one. ``cancelled`` lets a newer reload stop a run
    whose snapshot is no longer current; what was finished is kept in the store.
    """
    started = time.perf_counter()
    found: dict[Key, np.ndarray] = {}
    todo: list[tuple[Document, list[str]]] = []
    for document, layout in items:
        rows = len(layout.sentence_starts)
        stored = store.load(document.digest, rows, dim) if store is not None else None
        if stored is not None:
            found[(document.doc_id, document.digest)] = stored
        else:
            todo.append((document, sentence_texts(document, layout)))
    total = sum(len(texts) for _, texts in todo)
    done_sentences = 0
    pending: list[tuple[Document, list[str]]] = []
    pending_rows = 0

    def flush() -> None:
        nonlocal done_sentences, pending_rows
        texts = [t for _, sentences in pending for t in sentences]
        vectors = encode(texts) if texts else np.zeros((0, dim), dtype=np.float32)
        offset = 0
        for document, sentences in pending:
            part = vectors[offset : offset + len(sentences)]
            offset += len(sentences)
            key = (document.doc_id, document.digest)
            found[key] = store.save(document.digest, part) if store is not None else part.astype(np.float16)
        done_sentences += len(texts)
        pending.clear()
        pending_rows = 0
        if progress is not None:
            elapsed = time.perf_counter() - started
            progress(EmbedProgress(len(found), len(items), done_sentences, total, elapsed))

    for document, sentences in todo:
        if cancelled is not None and cancelled():
            break
        pending.append((document, sentences))
        pending_rows += len(sentences)
        if pending_rows >= EMBED_CHUNK:
            flush()
    if pending and not (cancelled is not None and cancelled()):
        flush()
    return found
