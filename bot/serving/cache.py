"""The built index on disk, so a restart with unchanged knowledge does not re-tokenize.

Layout: ``<cache>/current.json`` names a folder ``index-<key>/`` holding ``manifest.json``
(per document: id, path, content hash, metadata, where its rows are) and plain ``.npy``
arrays, memory-mapped on load. Nothing is pickled: a cache file can hold only numbers and
text, and everything read is checked (version, analyzer, BM25 parameters, array types and
shapes, offsets in range) before use. A stale, partial or corrupt cache is ignored and
rebuilt, never trusted. Writes go to a new folder that ``current.json`` is switched to
atomically, so a crash mid-write leaves the previous cache intact. Several processes may
share the folder (they all save after a fanned-out reload): each writes under names of its
own, and one that finds the same index already written keeps it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.knowledge.documents import Document, Metadata
from bot.knowledge.passages import Layout
from bot.search.index import INDEX_VERSION, Bm25Params, Index, TermBundle, first_passages
from bot.search.tokenizer import Analyzer
from bot.summaries.summary import SUMMARY_VERSION, SummarySentence

__all__ = ["CachedDocument", "IndexCache", "LoadedCache", "cache_key"]

log = logging.getLogger(__name__)

# A temporary folder this old is a crashed writer's; a younger one may be another process's, still writing.
_STALE_WRITE_SECONDS = 3600.0
_LAYOUT = ("paragraphs", "starts", "ends", "sentence_ptr", "sentence_starts", "sentence_ends", "heading_ids")
_BUNDLE = ("unit_ptr", "term_ids", "counts")
_INDEX = ("idf", "indptr", "postings", "weights", "base", "doc_len", "local_to_global")
_DTYPES = {
    "paragraphs": np.int32,
    "starts": np.int32,
    "ends": np.int32,
    "sentence_ptr": np.int32,
    "sentence_starts": np.int32,
    "sentence_ends": np.int32,
    "heading_ids": np.int32,
    "unit_ptr": np.int64,
    "term_ids": np.int32,
    "counts": np.int32,
    "idf": np.float64,
    "indptr": np.int64,
    "postings": np.int32,
    "weights": np.float64,
    "base": np.float64,
    "doc_len": np.float64,
    "local_to_global": np.int32,
}


Rankings = dict[tuple[str, str], tuple[SummarySentence, ...]]


class InvalidCacheError(Exception):
    """The cache cannot be used; the message says why (logged, then the index is rebuilt)."""


@dataclass(frozen=True, slots=True)
class CachedDocument:
    """What the cache knows of one file: enough to rebuild its Document without parsing."""

    doc_id: str
    path: str
    digest: str
    meta: Metadata
    body_chars: int
    body_line: int

    def restore(self, text: str) -> Document:
        """The Document for the file's decoded text (whose hash matched ``digest``)."""
        body = text[len(text) - self.body_chars :] if self.body_chars else ""
        return Document(self.doc_id, self.path, self.meta, body, self.body_line, self.digest)


@dataclass(frozen=True, eq=False)
class LoadedCache:
    """A validated cache: per-document parts, and the whole index when it still matches."""

    documents: dict[tuple[str, str], CachedDocument]
    parts: dict[tuple[str, str], tuple[Layout, TermBundle]]
    ranked: dict[tuple[str, str], tuple[tuple[int, int, int], ...]]
    term_ranges: dict[tuple[str, str], tuple[int, int]]
    index_key: str
    index_arrays: dict[str, np.ndarray]
    vocab: list[str]
    avgdl: float
    folder: Path

    def index_for(self, documents: Sequence[Document], params: Bm25Params, analyzer: Analyzer) -> Index | None:
        """The cached index if it was built from exactly these documents with these settings."""
        if cache_key(documents, params, analyzer) != self.index_key:
            return None
        layouts, bundles = [], []
        for document in documents:
            layout, bundle = self.parts[(document.doc_id, document.digest)]
            layouts.append(layout)
            bundles.append(bundle)
        first = first_passages(layouts)
        arrays = self.index_arrays
        table = arrays["local_to_global"]
        maps = tuple(table[slice(*self.term_ranges[(d.doc_id, d.digest)])] for d in documents)
        if len(arrays["doc_len"]) != int(first[-1]):
            return None
        all_terms = dict(zip(self.vocab, range(len(self.vocab)), strict=True))
        df = np.diff(arrays["indptr"])
        return Index(
            params=params,
            documents=tuple(documents),
            layouts=tuple(layouts),
            bundles=tuple(bundles),
            first=first,
            local_to_global=maps,
            passage_counts=(),
            all_terms=all_terms,
            vocab={t: i for t, i in all_terms.items() if df[i]},
            idf=arrays["idf"],
            indptr=arrays["indptr"],
            postings=arrays["postings"],
            weights=arrays["weights"],
            base=arrays["base"],
            doc_len=arrays["doc_len"],
            avgdl=self.avgdl,
        )

    def ranking(self, document: Document) -> tuple[SummarySentence, ...] | None:
        """A document's cached summary pick order, as sentences of its body."""
        spans = self.ranked.get((document.doc_id, document.digest))
        if spans is None:
            return None
        body = document.body
        return tuple(SummarySentence(p, s, e, body[s:e]) for p, s, e in spans)


def cache_key(documents: Sequence[Document], params: Bm25Params, analyzer: Analyzer) -> str:
    """Identifies an index: every document's id and content hash, in order, and the settings."""
    h = hashlib.sha256(json.dumps(_settings(analyzer, params), sort_keys=True).encode())
    for document in documents:
        h.update(f"\0{document.doc_id}\0{document.digest}".encode())
    return h.hexdigest()[:32]


def _settings(analyzer: Analyzer, params: Bm25Params) -> dict[str, Any]:
    return {
        "version": INDEX_VERSION,
        "summary": SUMMARY_VERSION,
        "analyzer": dataclasses.asdict(analyzer),
        "params": dataclasses.asdict(params),
    }


def _older(path: Path, cutoff: float) -> bool:
    """Modified before ``cutoff``; False if it is gone already (another process tidied it)."""
    try:
        return path.stat().st_mtime < cutoff
    except FileNotFoundError:
        return False


class IndexCache:
    """Reads and writes the index cache of one knowledge folder."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def load(self, analyzer: Analyzer, params: Bm25Params) -> LoadedCache | None:
        """The cache if present and valid for these settings; None (and a log line) otherwise."""
        folder: Path | None = None
        try:
            pointer = json.loads((self.folder / "current.json").read_text("utf-8"))
            candidate = self.folder / str(pointer["folder"])
            if candidate.parent != self.folder or not candidate.name.startswith("index-"):
                raise InvalidCacheError("current.json points outside the cache folder")
            folder = candidate
            return self._load(folder, analyzer, params)
        except FileNotFoundError as exc:
            if folder is None:
                return None  # no cache yet
            self._discard(folder, exc)
            return None
        except (InvalidCacheError, OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            self._discard(folder, exc)
            return None

    def _discard(self, folder: Path | None, exc: Exception) -> None:
        """Log why the cache is not used, and remove a damaged one so it is rewritten."""
        log.warning("index cache ignored (%s: %s); rebuilding", type(exc).__name__, str(exc)[:200])
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    def _load(self, folder: Path, analyzer: Analyzer, params: Bm25Params) -> LoadedCache:
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
        if manifest.get("settings") != _settings(analyzer, params):
            raise InvalidCacheError("built by another version or with other settings")
        arrays = {}
        for name, dtype in _DTYPES.items():
            array = np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
            if array.dtype != dtype or array.ndim != 1:
                raise InvalidCacheError(f"{name}.npy has the wrong type")
            # A plain ndarray over the mapped file: numpy.memmap's Python-level indexing
            # would cost microseconds on each of the many small slices answering makes.
            arrays[name] = array.view(np.ndarray)
        terms = (folder / "terms.txt").read_text("utf-8").split("\n") if manifest["term_count"] else []
        vocab = (folder / "vocab.txt").read_text("utf-8").split("\n") if manifest["vocab_count"] else []
        if len(terms) != manifest["term_count"] or len(vocab) != manifest["vocab_count"]:
            raise InvalidCacheError("term lists do not match the manifest")
        _check_index(arrays, len(vocab), manifest)

        documents: dict[tuple[str, str], CachedDocument] = {}
        parts: dict[tuple[str, str], tuple[Layout, TermBundle]] = {}
        ranked: dict[tuple[str, str], tuple[tuple[int, int, int], ...]] = {}
        ranges: dict[tuple[str, str], tuple[int, int]] = {}
        vocabularies: dict[tuple[int, int], tuple[str, ...]] = {}
        for entry in manifest["documents"]:
            key = (str(entry["doc_id"]), str(entry["digest"]))
            meta = entry["meta"]
            meta["tags"] = tuple(meta.get("tags", ()))
            documents[key] = CachedDocument(
                key[0], str(entry["path"]), key[1], Metadata(**meta), int(entry["body_chars"]), int(entry["body_line"])
            )
            layout, bundle = _slice_parts(arrays, terms, entry, vocabularies)
            parts[key] = (layout, bundle)
            ranges[key] = (int(entry["terms"][0]), int(entry["terms"][1]))
            ranked[key] = tuple((int(p), int(s), int(e)) for p, s, e in entry["ranked"])
        return LoadedCache(
            documents=documents,
            parts=parts,
            ranked=ranked,
            term_ranges=ranges,
            index_key=str(manifest["index_key"]),
            index_arrays={name: arrays[name] for name in _INDEX},
            vocab=vocab,
            avgdl=float(manifest["avgdl"]),
            folder=folder,
        )

    def save(
        self, index: Index, analyzer: Analyzer, ranked: dict[tuple[str, str], tuple[SummarySentence, ...]]
    ) -> None:
        """Write the cache for this index (best effort: a read-only folder only logs a warning).

        Every document's summary ranking must be in ``ranked``: the cache is trusted on the
        next start, so one written while rankings were still to make would serve empty
        summaries until the document changed. A gap is a bug, and raises ValueError.
        """
        lacking = [d.doc_id for d in index.documents if (d.doc_id, d.digest) not in ranked]
        if lacking:
            raise ValueError(f"index cache not written: {len(lacking)} summary ranking(s) missing, e.g. {lacking[0]!r}")
        key = cache_key(index.documents, index.params, analyzer)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            target = self.folder / f"index-{key}"
            if not target.exists():
                temporary = Path(tempfile.mkdtemp(prefix=".writing-", dir=self.folder))
                try:
                    self._write(temporary, index, analyzer, ranked, key)
                    try:
                        os.replace(temporary, target)
                    except OSError:
                        if not target.is_dir():
                            raise
                        # Another process sharing the folder wrote this same index meanwhile.
                finally:
                    shutil.rmtree(temporary, ignore_errors=True)
            # Names of our own: processes sharing the folder must not write one another's temporaries.
            pointer = self.folder / f".current-{os.getpid()}-{threading.get_ident()}.json.tmp"
            pointer.write_text(json.dumps({"folder": target.name}), "utf-8")
            os.replace(pointer, self.folder / "current.json")
            stale_before = time.time() - _STALE_WRITE_SECONDS
            for old in self.folder.iterdir():
                if not old.is_dir() or old == target:
                    continue
                # Another process may be writing a .writing- folder right now: only old ones are litter.
                if old.name.startswith("index-") or (old.name.startswith(".writing-") and _older(old, stale_before)):
                    shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:
            log.warning("could not write the index cache in %s: %s", self.folder, exc.strerror or exc)

    def _write(
        self,
        folder: Path,
        index: Index,
        analyzer: Analyzer,
        ranked: Rankings,
        key: str,
    ) -> None:
        columns: dict[str, list[np.ndarray]] = {name: [] for name in _LAYOUT + _BUNDLE}
        terms: list[str] = []
        maps: list[np.ndarray] = []
        written: dict[int, list[int]] = {}  # vocabularies shared by several documents are written once
        rows = dict.fromkeys(_LAYOUT + _BUNDLE, 0)
        entries = []
        for document, layout, bundle, mapping in zip(
            index.documents, index.layouts, index.bundles, index.local_to_global, strict=True
        ):
            span = written.get(id(bundle.terms))
            if span is None:
                span = written[id(bundle.terms)] = [len(terms), len(terms) + len(bundle.terms)]
                terms.extend(bundle.terms)
                maps.append(mapping)
            entry: dict[str, Any] = {
                "doc_id": document.doc_id,
                "path": document.path,
                "digest": document.digest,
                "meta": {**dataclasses.asdict(document.meta), "tags": list(document.meta.tags)},
                "body_chars": len(document.body),
                "body_line": document.body_line,
                "headings": list(layout.headings),
                "terms": span,
                "ranked": [[s.paragraph, s.start, s.end] for s in ranked.get((document.doc_id, document.digest), ())],
            }
            for name in _LAYOUT:
                array = getattr(layout, name)
                entry[name] = [rows[name], rows[name] + len(array)]
                rows[name] += len(array)
                columns[name].append(array)
            for name in _BUNDLE:
                array = getattr(bundle, name)
                entry[name] = [rows[name], rows[name] + len(array)]
                rows[name] += len(array)
                columns[name].append(array)
            entries.append(entry)
        for name, parts in columns.items():
            data = np.concatenate(parts) if parts else np.zeros(0)
            np.save(folder / f"{name}.npy", data.astype(_DTYPES[name], copy=False), allow_pickle=False)
        arrays = {
            "idf": index.idf,
            "indptr": index.indptr,
            "postings": index.postings,
            "weights": index.weights,
            "base": index.base,
            "doc_len": index.doc_len,
            "local_to_global": np.concatenate(maps) if maps else np.zeros(0),
        }
        for name, array in arrays.items():
            np.save(folder / f"{name}.npy", np.asarray(array).astype(_DTYPES[name], copy=False), allow_pickle=False)
        _write_lines(folder / "terms.txt", terms)
        _write_lines(folder / "vocab.txt", list(index.all_terms))
        manifest = {
            "settings": _settings(analyzer, index.params),
            "index_key": key,
            "avgdl": index.avgdl,
            "term_count": len(terms),
            "vocab_count": len(index.all_terms),
            "documents": entries,
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")


def _write_lines(path: Path, lines: Sequence[str], chunk: int = 50_000) -> None:
    """Newline-joined lines, written a slice at a time.

    One join of millions of strings would hold the interpreter lock long enough to stall
    the event loop.
    """
    with path.open("w", encoding="utf-8") as handle:
        for start in range(0, len(lines), chunk):
            if start:
                handle.write("\n")
            handle.write("\n".join(lines[start : start + chunk]))


def _slice_parts(
    arrays: dict[str, np.ndarray],
    terms: list[str],
    entry: dict[str, Any],
    vocabularies: dict[tuple[int, int], tuple[str, ...]],
) -> tuple[Layout, TermBundle]:
    """One document's Layout and TermBundle as views into the cached arrays, checked.

    Documents that shared a vocabulary when indexed share one tuple again.
    """

    def view(name: str) -> np.ndarray:
        lo, hi = (int(x) for x in entry[name])
        if not 0 <= lo <= hi <= len(arrays[name]):
            raise InvalidCacheError(f"{name} rows out of range")
        return arrays[name][lo:hi]

    layout = Layout(*(view(name) for name in _LAYOUT), headings=tuple(str(h) for h in entry["headings"]))
    lo, hi = (int(x) for x in entry["terms"])
    if not 0 <= lo <= hi <= len(terms):
        raise InvalidCacheError("terms out of range")
    vocabulary = vocabularies.get((lo, hi))
    if vocabulary is None:
        vocabulary = vocabularies[(lo, hi)] = tuple(terms[lo:hi])
    bundle = TermBundle(vocabulary, view("unit_ptr"), view("term_ids"), view("counts"))
    size = len(layout.paragraphs)
    if size < 1 or len(layout.starts) != size or len(layout.ends) != size or len(layout.heading_ids) != size:
        raise InvalidCacheError("passage arrays disagree")
    if len(layout.sentence_ptr) != size + 1 or np.any(np.diff(layout.sentence_ptr) < 0):
        raise InvalidCacheError("sentence pointers are not increasing")
    units = int(layout.sentence_ptr[-1])
    if len(layout.sentence_starts) != units or len(layout.sentence_ends) != units:
        raise InvalidCacheError("sentence arrays disagree")
    if units and (layout.sentence_starts.min() < 0 or np.any(layout.sentence_ends < layout.sentence_starts)):
        raise InvalidCacheError("sentence offsets out of order")
    if units and int(layout.sentence_ends.max()) > max(int(entry["body_chars"]), 1 << 16):
        raise InvalidCacheError("sentence offsets beyond the body")
    if (
        len(bundle.unit_ptr) != units + 1
        or np.any(np.diff(bundle.unit_ptr) < 0)
        or int(bundle.unit_ptr[-1]) != len(bundle.term_ids)
    ):
        raise InvalidCacheError("unit pointers disagree")
    if len(bundle.counts) != len(bundle.term_ids) or (len(bundle.term_ids) and int(bundle.term_ids.max()) >= hi - lo):
        raise InvalidCacheError("term ids out of range")
    if layout.headings and int(layout.heading_ids.max()) >= len(layout.headings):
        raise InvalidCacheError("heading ids out of range")
    return layout, bundle


def _check_index(arrays: dict[str, np.ndarray], vocab_size: int, manifest: dict[str, Any]) -> None:
    """Cheap, vectorized checks that the cached postings are well formed."""
    indptr, postings = arrays["indptr"], arrays["postings"]
    passages = len(arrays["doc_len"])
    if len(arrays["idf"]) != vocab_size or len(arrays["base"]) != vocab_size or len(indptr) != vocab_size + 1:
        raise InvalidCacheError("index arrays disagree with the vocabulary")
    if int(indptr[0]) != 0 or int(indptr[-1]) != len(postings) or np.any(np.diff(indptr) < 0):
        raise InvalidCacheError("posting pointers are not increasing")
    if len(arrays["weights"]) != len(postings):
        raise InvalidCacheError("weights disagree with postings")
    if len(postings) and (int(postings.min()) < 0 or int(postings.max()) >= passages):
        raise InvalidCacheError("postings point past the passages")
    if len(arrays["local_to_global"]) != manifest["term_count"]:
        raise InvalidCacheError("term map disagrees with the term list")
    if manifest["term_count"] and int(arrays["local_to_global"].max()) >= vocab_size:
        raise InvalidCacheError("term map points past the vocabulary")
