"""Knowledge folder -> an immutable Snapshot that answers questions; reloads build a new one.

A Snapshot is everything needed to answer: documents, passages, index, speller and the
precomputed summaries. It is built by one function from the folder (reusing, to save work,
the previous snapshot and the on-disk cache), never modified afterwards, and replaced as a
whole, so a reader holding a reference always sees one consistent knowledge base.

Building costs, in order: reading and hashing files; laying out and tokenizing changed
documents (the bulk; spread over worker processes when there is a lot of new text);
merging term counts into the index; ranking summary sentences. Only documents whose bytes
changed are tokenized again, and a restart with nothing changed loads the index from the
cache without tokenizing at all.

Ranking summaries can wait (``rank="later"``): the serving bot starts answering first and
ranks the new documents right after, in its background work; until then a summary that
needs a missing ranking computes that one document's in the asking thread.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import multiprocessing
import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from bot.errors import KnowledgeError, KnowledgeProblem
from bot.knowledge.documents import Document
from bot.knowledge.loader import CACHE_DIR_NAME, LoadResult, load_knowledge
from bot.knowledge.passages import Layout
from bot.knowledge.text import clean_question
from bot.search.answer import (
    DEFAULT_RESULTS,
    MAX_QUESTION_CHARS,
    MAX_RAW_CHARS,
    Answer,
    Blend,
    Status,
    answer_question,
    meaning_text,
    sentence_result,
)
from bot.search.index import Bm25Params, Entries, Index, TermBundle, analyze_document, local_passage_counts
from bot.search.intent import SUMMARY_LIKENESS, asks_for_summary, summary_likeness
from bot.search.lexicon import english_frequency
from bot.search.naming import document_names
from bot.search.spelling import Speller
from bot.search.tokenizer import Analyzer
from bot.search.vectors import Encode, VectorTable
from bot.serving.cache import IndexCache, LoadedCache
from bot.summaries.summary import DEFAULT_SENTENCES, Summary, SummarySentence, rank_sentences, summarize

__all__ = ["PARALLEL_MIN_CHARS", "Rank", "Snapshot", "build_snapshot", "default_cache_dir"]

# Below this much new text, tokenizing in this process is faster than starting workers.
PARALLEL_MIN_CHARS = 4_000_000
_CHUNK_DOCUMENTS = 16

Key = tuple[str, str]
# When summaries are ranked: while building ("now"), or after the snapshot serves ("later").
Rank = Literal["now", "later"]


@dataclass(frozen=True, eq=False)
class Snapshot:
    """One consistent, read-only state of the knowledge base."""

    root: str
    index: Index
    analyzer: Analyzer
    problems: tuple[KnowledgeProblem, ...] = ()
    skipped: tuple[str, ...] = ()
    load_ms: float = 0.0
    index_ms: float = 0.0
    reused: int = 0
    cache: str = "none"
    analyzed: Mapping[Key, tuple[Layout, TermBundle]] = field(default_factory=dict, repr=False)
    ranked: Mapping[Key, tuple[SummarySentence, ...]] = field(default_factory=dict, repr=False)
    vectors: VectorTable | None = field(default=None, repr=False)
    encode: Encode | None = field(default=None, repr=False)
    blend: Blend = field(default_factory=Blend, repr=False)
    _lazy: dict[str, Speller] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def speller(self) -> Speller:
        """Typo candidates from this index's vocabulary, built on first use and kept.

        Building takes about a second for a very large vocabulary; ``warm`` does it ahead of
        time so that no question pays for it.
        """
        speller = self._lazy.get("speller")
        if speller is None:
            with self._lock:
                speller = self._lazy.get("speller")
                if speller is None:
                    index = self.index
                    frequency = np.diff(index.indptr)
                    speller = Speller(index.vocab, {t: int(frequency[i]) for t, i in index.vocab.items()})
                    self._lazy["speller"] = speller
        return speller

    def warm(self) -> None:
        """Build what is otherwise built on first use, so no question pays for it."""
        index = self.index
        _ = index.dense, index.max_weight, index.terms, index.passages, index.doc_ranges, index.by_id
        document_names(index, self.analyzer)
        _ = self.speller

    @property
    def warmed(self) -> bool:
        """True once ``warm`` has run (the speller is the last thing it builds)."""
        return "speller" in self._lazy

    @property
    def documents(self) -> tuple[Document, ...]:
        """Documents in load order (sorted by path)."""
        return self.index.documents

    def document(self, key: str) -> Document | None:
        """A document by id, title or file name, ignoring case.

        People copy whichever they see: the id from ``sources``, the title from the article,
        or the file name from the folder (``name.md``, or its path inside the folder). A file
        name shared by files in two sub-folders matches neither: the path tells them apart.
        """
        if key in self.index.by_id:
            return self.index.by_id[key]
        wanted = key.strip().casefold()
        if wanted in self.index.by_id:  # ids are lower case
            return self.index.by_id[wanted]
        titled = next((d for d in self.documents if d.meta.title.casefold() == wanted), None)
        if titled is not None or not wanted.endswith(".md"):
            return titled
        wanted = wanted.replace("\\", "/").lstrip("./")
        files = [d for d in self.documents if _path_ends_with(d.path.replace(os.sep, "/").casefold(), wanted)]
        return files[0] if len(files) == 1 else None

    @property
    def semantic(self) -> bool:
        """True when questions are answered with sentence vectors (for at least some documents)."""
        return self.vectors is not None and self.encode is not None and self.vectors.ready_documents > 0

    def with_vectors(self, vectors: VectorTable, encode: Encode) -> Snapshot:
        """The same knowledge base answering with sentence vectors; the speller is shared.

        Summaries are ranked again for every document that has its vectors (they tell
        duplicates worded differently apart), here, in the worker that built the vectors:
        the snapshot that serves them is complete before it is swapped in, so no user waits.
        """
        served = dataclasses.replace(self, vectors=vectors, encode=encode, _lazy=self._lazy, _lock=self._lock)
        return served._ranked_again(d for d, rows in enumerate(vectors.per_document) if rows is not None)

    @functools.cached_property
    def unranked(self) -> tuple[Document, ...]:
        """Documents whose summary is not ranked yet (built with ``rank="later"``)."""
        return tuple(d for d in self.documents if not self.has_ranking(d))

    def has_ranking(self, document: Document) -> bool:
        """Whether this document's summary ranking is ready (else asking for it computes it)."""
        return (document.doc_id, document.digest) in self.ranked

    def ranking(self, document: Document) -> tuple[SummarySentence, ...]:
        """A document's summary pick order: the one made at load, else computed now (a few ms).

        Computed the way the finished snapshot would have it (with the document's sentence
        vectors when it has them), so a summary asked early is the one asked later.
        """
        picks = self.ranked.get((document.doc_id, document.digest))
        return picks if picks is not None else self._rank(self.index.position(document.doc_id))

    def _rank(self, d: int) -> tuple[SummarySentence, ...]:
        index = self.index
        rows = self.vectors.per_document[d] if self.vectors is not None else None
        return rank_sentences(index.documents[d], index.layouts[d], index.bundles[d], rows)

    def with_rankings(self) -> Snapshot:
        """The same knowledge base with every summary ranked (itself when none is missing).

        For the work after a ``rank="later"`` build: run off the event loop (about 5 ms a
        document), then swapped in like vectors are. The speller is shared.
        """
        if not self.unranked:
            return self
        return self._ranked_again(self.index.position(d.doc_id) for d in self.unranked)

    def _ranked_again(self, positions: Iterable[int]) -> Snapshot:
        """A copy with the documents at ``positions`` ranked anew (the speller is shared)."""
        ranked = dict(self.ranked)
        for d in positions:
            document = self.index.documents[d]
            ranked[(document.doc_id, document.digest)] = self._rank(d)
        return dataclasses.replace(self, ranked=ranked, _lazy=self._lazy, _lock=self._lock)

    def ask(
        self, question: str, *, top: int = DEFAULT_RESULTS, doc_id: str | None = None, decline: bool = True
    ) -> Answer:
        """Answer a question from this snapshot, by meaning as well as words when it has vectors.

        A question about the document as a whole ("what is this article about?") is
        answered with its summary, as ``/summary`` would give it.
        """
        cleaned = clean_question(question) if len(question) <= MAX_RAW_CHARS else ""
        if cleaned and asks_for_summary(cleaned):
            return self._summary_answer(question, cleaned, top=top, doc_id=doc_id)
        encode = self.encode if self.semantic and cleaned and len(cleaned) <= MAX_QUESTION_CHARS else None
        # One encoding per question: of the text the answer compares sentences with.
        meant = meaning_text(cleaned, self.index, self.analyzer, self.blend) if encode is not None else cleaned
        vector = encode([meant])[0] if encode is not None else None
        answer = answer_question(
            question,
            self.index,
            self.analyzer,
            self.speller,
            top=top,
            doc_id=doc_id,
            decline=decline,
            vectors=self.vectors if self.semantic else None,
            encode=self.encode,
            blend=self.blend,
            question_vector=vector,
        )
        if (
            encode is not None
            and vector is not None
            and answer.status is Status.NOT_FOUND
            and not answer.absent
            and summary_likeness(vector if meant == cleaned else encode([cleaned])[0], encode) >= SUMMARY_LIKENESS
        ):
            return self._summary_answer(question, cleaned, top=top, doc_id=doc_id)
        return answer

    def _summary_answer(self, question: str, cleaned: str, *, top: int, doc_id: str | None) -> Answer:
        """The summary as an answer: one document's when it is known, else each document's lead point."""
        started = time.perf_counter()
        documents = [self.index.by_id[doc_id]] if doc_id in self.index.by_id else list(self.documents)
        results = []
        if len(documents) == 1:
            summary = self.summarize(documents[0], sentences=max(top, DEFAULT_SENTENCES))
            picks = [(documents[0], s) for s in summary.sentences]
        else:
            firsts = [(d, self.ranking(d)) for d in documents]
            picks = [(d, ranked[0]) for d, ranked in firsts if ranked][: max(top, 1)]
        for document, sentence in picks:
            result = sentence_result(self.index, document.doc_id, sentence.start, sentence.end)
            if result is not None:
                results.append(result)
        elapsed = (time.perf_counter() - started) * 1000
        status = Status.ANSWERED if results else Status.NOT_FOUND
        return Answer(question, cleaned, status, tuple(results), elapsed, 1.0, summary=True)

    def summarize(self, document: Document, *, sentences: int = DEFAULT_SENTENCES, topic: str | None = None) -> Summary:
        """A document's summary; without a topic it comes from the ranking made at load time.

        A topic is found by meaning as well as words once the snapshot has sentence vectors.
        A ranking not made yet is made now, for this document only.
        """
        ranked = self.ranking(document) if not topic or not topic.strip() else None
        return summarize(
            document,
            self.index,
            self.analyzer,
            self.speller,
            sentences=sentences,
            topic=topic,
            ranked=ranked,
            vectors=self.vectors if self.semantic else None,
            encode=self.encode if self.semantic else None,
        )

    def paragraph_count(self, document: Document) -> int:
        """Number of body paragraphs (a long paragraph cut into passages counts once)."""
        return self.index.layouts[self.index.position(document.doc_id)].paragraph_count


def _path_ends_with(path: str, tail: str) -> bool:
    """Whether ``tail`` is the whole path or its last components (not a partial file name)."""
    return path == tail or path.endswith("/" + tail)


def default_cache_dir(root: str | os.PathLike[str]) -> Path:
    """Where a knowledge folder's index cache lives unless configured: ``<root>/.cache``."""
    return Path(root) / CACHE_DIR_NAME


def build_snapshot(
    root: str | os.PathLike[str],
    *,
    skip_bad: bool = False,
    previous: Snapshot | None = None,
    params: Bm25Params | None = None,
    analyzer: Analyzer | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    save_cache: bool = True,
    workers: int | None = None,
    rank: Rank = "now",
) -> Snapshot:
    """Load, lay out, tokenize and index a knowledge folder.

    ``cache_dir`` enables the on-disk cache (read, and written when ``save_cache``);
    ``workers`` caps the tokenizing processes (default: the CPUs this process may use).
    ``rank="later"`` leaves the summaries of documents neither cached nor in ``previous``
    unranked (``Snapshot.unranked``; ``with_rankings`` completes them), and saves no cache:
    a cache is only ever written with every ranking in it.
    Raises KnowledgeError when a file is bad and ``skip_bad`` is False, and when no document
    loads at all, so a caller that was serving keeps serving what it had.
    """
    if rank not in ("now", "later"):
        raise ValueError(f"rank must be 'now' or 'later', not {rank!r}")
    analyzer = analyzer or Analyzer()
    params = params or Bm25Params()
    english_frequency()  # load the dictionary now, not during the first question
    started = time.perf_counter()
    cache = IndexCache(cache_dir) if cache_dir is not None else None
    # A reload has the previous snapshot in memory: reading the cache again would only cost.
    stored: LoadedCache | None = cache.load(analyzer, params) if cache is not None and previous is None else None
    restorable = {(c.path, c.digest): c for c in stored.documents.values()} if stored else {}
    previous_docs = {d.path: d for d in previous.documents} if previous else {}
    loaded: LoadResult = load_knowledge(root, previous=previous_docs, cached=restorable)
    if loaded.errors and not skip_bad:
        raise KnowledgeError(loaded.errors, documents=len(loaded.documents))
    if not loaded.documents:
        raise KnowledgeError(
            loaded.errors
            or (KnowledgeProblem(os.fspath(root), 1, "no knowledge files: add at least one .md document"),)
        )
    load_ms = (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    documents = loaded.documents
    same_analyzer = previous is not None and previous.analyzer == analyzer
    reuse: Mapping[Key, tuple[Layout, TermBundle]] = previous.analyzed if same_analyzer and previous else {}
    previous_ranked = previous.ranked if same_analyzer and previous else {}
    analyzed: dict[Key, tuple[Layout, TermBundle]] = {}
    ranked: dict[Key, tuple[SummarySentence, ...]] = {}
    missing: list[Document] = []
    for document in documents:
        key = (document.doc_id, document.digest)
        found = reuse.get(key)
        picks = previous_ranked.get(key)
        if found is None and stored is not None:
            found, picks = stored.parts.get(key), stored.ranking(document)
        if found is None:
            missing.append(document)
            continue
        analyzed[key] = found
        # A previous snapshot built with rank="later" may not have ranked it yet: its
        # parts are still good, only the ranking is to make.
        if picks is not None:
            ranked[key] = picks
    reused = len(documents) - len(missing)
    local: dict[Key, Entries] = {}
    analyses = _analyze(missing, analyzer, workers, rank=rank == "now")
    for document, (layout, bundle, picks, counts) in zip(missing, analyses, strict=True):
        key = (document.doc_id, document.digest)
        analyzed[key], local[key] = (layout, bundle), counts
        if picks is not None:
            ranked[key] = picks
    layouts = [analyzed[(d.doc_id, d.digest)][0] for d in documents]
    bundles = [analyzed[(d.doc_id, d.digest)][1] for d in documents]

    index = stored.index_for(documents, params, analyzer) if stored and not missing else None
    status = "hit" if index is not None else ("miss" if cache is not None else "none")
    if index is None:
        old = previous.index if same_analyzer and previous and previous.index.params == params else None
        counts = [local.get((d.doc_id, d.digest)) for d in documents]
        index = Index.build(documents, layouts, bundles, params, previous=old, local_counts=counts)
    index_ms = (time.perf_counter() - started) * 1000
    snapshot = Snapshot(
        root=os.fspath(root),
        index=index,
        analyzer=analyzer,
        problems=loaded.problems,
        skipped=loaded.skipped,
        load_ms=load_ms,
        index_ms=index_ms,
        reused=reused,
        cache=status,
        analyzed=analyzed,
        ranked=ranked,
    )
    if rank == "now":
        snapshot = snapshot.with_rankings()  # only those a previous rank="later" snapshot lacked
        if cache is not None and save_cache and (status != "hit" or missing):
            cache.save(index, analyzer, dict(snapshot.ranked))
    return snapshot


Analysis = tuple[Layout, TermBundle, tuple[SummarySentence, ...] | None, Entries]


def analyze(document: Document, analyzer: Analyzer, *, rank: bool = True) -> Analysis:
    """Everything about one document that does not depend on the others.

    Its layout, its term counts per sentence and per passage, and (``rank``) its summary's ranking.
    """
    layout, bundle = analyze_document(document, analyzer)
    picks = rank_sentences(document, layout, bundle) if rank else None
    return layout, bundle, picks, local_passage_counts(layout, bundle)


def _analyze(
    documents: Sequence[Document], analyzer: Analyzer, workers: int | None, *, rank: bool = True
) -> list[Analysis]:
    """Analyze documents, sharing the work with worker processes when there is a lot of text.

    The documents are cut into chunks; workers take chunks from the front while this
    process takes them from the back (cancelling the ones no worker has started), so every
    CPU is busy, this one included, until they meet.
    """
    available = workers if workers is not None else len(os.sched_getaffinity(0))
    if available < 2 or sum(len(d.body) for d in documents) < PARALLEL_MIN_CHARS:
        return [analyze(d, analyzer, rank=rank) for d in documents]
    chunks = [documents[i : i + _CHUNK_DOCUMENTS] for i in range(0, len(documents), _CHUNK_DOCUMENTS)]
    # "spawn": safe from a process that runs threads (the bot's event loop and reloads).
    context = multiprocessing.get_context("spawn")
    results: list[list[Analysis] | None] = [None] * len(chunks)
    with ProcessPoolExecutor(max_workers=available - 1, mp_context=context) as pool:
        futures = [pool.submit(_analyze_chunk, chunk, analyzer, rank) for chunk in chunks]
        for i in range(len(chunks) - 1, -1, -1):
            if not futures[i].cancel():
                break
            results[i] = _unpack(_analyze_chunk(chunks[i], analyzer, rank))
        for i, future in enumerate(futures):
            if results[i] is None:
                results[i] = _unpack(future.result())
    return [parts for chunk in results if chunk is not None for parts in chunk]


# A chunk's shared vocabulary (one string), then per document: layout, unit pointers, term
# ids and counts into that vocabulary, summary picks, per-passage entries.
Packed = tuple[
    str, list[tuple[Layout, np.ndarray, np.ndarray, np.ndarray, tuple[SummarySentence, ...] | None, Entries]]
]


def _analyze_chunk(documents: Sequence[Document], analyzer: Analyzer, rank: bool = True) -> Packed:
    """Analyze a chunk of documents and give them one shared vocabulary.

    Neighbouring documents share most of their words, so one vocabulary per chunk is several
    times shorter than one per document: less to send between processes (as one string,
    far cheaper than thousands of small ones) and less for the index to merge.
    """
    analyses = [analyze(d, analyzer, rank=rank) for d in documents]
    shared = dict.fromkeys(itertools.chain.from_iterable(a[1].terms for a in analyses))
    position = dict(zip(shared, range(len(shared)), strict=True))
    packed = []
    for layout, bundle, picks, (passage, term, count) in analyses:
        remap = np.fromiter(map(position.__getitem__, bundle.terms), dtype=np.int32, count=len(bundle.terms))
        packed.append(
            (layout, bundle.unit_ptr, remap[bundle.term_ids], bundle.counts, picks, (passage, remap[term], count))
        )
    return "\n".join(shared), packed


def _unpack(packed: Packed) -> list[Analysis]:
    joined, documents = packed
    terms = tuple(joined.split("\n")) if joined else ()
    return [
        (layout, TermBundle(terms, unit_ptr, term_ids, counts), picks, entries)
        for layout, unit_ptr, term_ids, counts, picks, entries in documents
    ]
