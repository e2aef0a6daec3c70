"""Knowledge folder -> an immutable Snapshot that answers questions; reloads build a new one.

A Snapshot is everything needed to answer: documents, passages, index, speller and the
precomputed summaries. It is built by one pure function from the folder (and, to save work,
from the previous snapshot), never modified afterwards, and replaced as a whole, so a reader
holding a reference always sees one consistent knowledge base.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.answer import DEFAULT_RESULTS, Answer, answer_question
from bot.documents import Document
from bot.errors import KnowledgeError, KnowledgeProblem
from bot.index import Bm25Params, Index, TermBundle, bundle_terms
from bot.knowledge import LoadResult, load_knowledge
from bot.lexicon import english_frequency
from bot.passages import Passage, split_passages
from bot.spelling import Speller
from bot.summary import DEFAULT_SENTENCES, Summary, SummarySentence, rank_sentences, summarize
from bot.tokenizer import Analyzer

__all__ = ["Snapshot", "build_snapshot"]


@dataclass(frozen=True, eq=False)
class Snapshot:
    """One consistent, read-only state of the knowledge base."""

    root: str
    index: Index
    analyzer: Analyzer
    speller: Speller
    problems: tuple[KnowledgeProblem, ...] = ()
    skipped: tuple[str, ...] = ()
    load_ms: float = 0.0
    index_ms: float = 0.0
    reused: int = 0
    analyzed: Mapping[tuple[str, str], tuple[tuple[Passage, ...], TermBundle]] = field(default_factory=dict, repr=False)
    ranked: Mapping[tuple[str, str], tuple[SummarySentence, ...]] = field(default_factory=dict, repr=False)

    @property
    def documents(self) -> tuple[Document, ...]:
        """Documents in load order (sorted by path)."""
        return self.index.documents

    def document(self, key: str) -> Document | None:
        """A document by id, or by its title ignoring case."""
        if key in self.index.by_id:
            return self.index.by_id[key]
        wanted = key.strip().casefold()
        return next((d for d in self.documents if d.meta.title.casefold() == wanted), None)

    def ask(self, question: str, *, top: int = DEFAULT_RESULTS, doc_id: str | None = None) -> Answer:
        """Answer a question from this snapshot."""
        return answer_question(question, self.index, self.analyzer, self.speller, top=top, doc_id=doc_id)

    def summarize(self, document: Document, *, sentences: int = DEFAULT_SENTENCES, topic: str | None = None) -> Summary:
        """A document's summary; without a topic it comes from the ranking made at load time."""
        ranked = self.ranked.get((document.doc_id, document.digest))
        return summarize(
            document, self.index, self.analyzer, self.speller, sentences=sentences, topic=topic, ranked=ranked
        )

    def paragraph_count(self, document: Document) -> int:
        """Number of body paragraphs (a long paragraph cut into passages counts once)."""
        start, end = self.index.doc_ranges[document.doc_id]
        return len({p.paragraph for p in self.index.passages[start:end] if p.paragraph is not None})


def build_snapshot(
    root: str | os.PathLike[str],
    *,
    skip_bad: bool = False,
    previous: Snapshot | None = None,
    params: Bm25Params | None = None,
    analyzer: Analyzer | None = None,
) -> Snapshot:
    """Load, split, tokenize and index a knowledge folder.

    Raises KnowledgeError when a file is bad and ``skip_bad`` is False, and when no document
    loads at all, so a caller that was serving keeps serving what it had.
    """
    analyzer = analyzer or Analyzer()
    english_frequency()  # load the dictionary now, not during the first question
    started = time.perf_counter()
    previous_docs = {d.path: d for d in previous.documents} if previous else {}
    loaded: LoadResult = load_knowledge(root, previous=previous_docs)
    if loaded.errors and not skip_bad:
        raise KnowledgeError(loaded.errors)
    if not loaded.documents:
        raise KnowledgeError(
            loaded.errors
            or (KnowledgeProblem(os.fspath(root), 1, "no knowledge files: add at least one .md document"),)
        )
    load_ms = (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    # Passages and term counts depend only on a file's bytes and id: reuse unchanged ones.
    reuse = previous.analyzed if previous and previous.analyzer == analyzer else {}
    analyzed: dict[tuple[str, str], tuple[tuple[Passage, ...], TermBundle]] = {}
    reused = 0
    for document in loaded.documents:
        key = (document.doc_id, document.digest)
        cached = reuse.get(key)
        if cached is not None:
            reused += 1
        else:
            passages = split_passages(document)
            cached = (passages, bundle_terms(passages, analyzer))
        analyzed[key] = cached
    parts = [analyzed[(d.doc_id, d.digest)] for d in loaded.documents]
    index = Index.build(loaded.documents, [p for p, _ in parts], [b for _, b in parts], params)
    speller = Speller(index.vocab, {t: index.doc_freq(i) for t, i in index.vocab.items()})
    # Summary rankings depend on the whole index's IDF only slightly: reuse an unchanged
    # document's ranking rather than recomputing every document on every reload.
    previous_ranked = previous.ranked if previous and previous.analyzer == analyzer else {}
    ranked: dict[tuple[str, str], tuple[SummarySentence, ...]] = {}
    for document, (passages, _) in zip(loaded.documents, parts, strict=True):
        key = (document.doc_id, document.digest)
        ranked[key] = previous_ranked.get(key) or rank_sentences(passages, index, analyzer)
    index_ms = (time.perf_counter() - started) * 1000
    return Snapshot(
        root=os.fspath(root),
        index=index,
        analyzer=analyzer,
        speller=speller,
        problems=loaded.problems,
        skipped=loaded.skipped,
        load_ms=load_ms,
        index_ms=index_ms,
        reused=reused,
        analyzed=analyzed,
        ranked=ranked,
    )
