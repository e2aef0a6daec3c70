"""The serving knowledge base: one current Snapshot, replaced whole by reloads.

Reloads build the next snapshot in a worker thread, so the event loop keeps answering from
the current one, then swap a single reference. A failed reload changes nothing. One reload
runs at a time; a second request while one runs is told so instead of queueing behind it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bot.errors import KnowledgeError, KnowledgeProblem, Severity
from bot.search.answer import DEFAULT_RESULTS, Answer
from bot.serving.cache import IndexCache
from bot.serving.semantic import SemanticLayer
from bot.serving.snapshot import Snapshot, build_snapshot, default_cache_dir
from bot.summaries.summary import DEFAULT_SENTENCES, Summary

__all__ = ["OFFLOAD_PASSAGES", "KnowledgeBase", "ReloadReport"]

log = logging.getLogger(__name__)

# From this many passages on, answering runs in a worker thread so a slow question cannot
# stall the event loop (below it, answering takes well under a millisecond).
OFFLOAD_PASSAGES = 20_000


@dataclass(frozen=True, slots=True)
class ReloadReport:
    """What a load or reload did, for the moderator who asked and for the logs."""

    ok: bool
    busy: bool = False
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    documents: int = 0
    passages: int = 0
    passages_before: int = 0
    problems: tuple[KnowledgeProblem, ...] = ()
    skipped: tuple[str, ...] = ()
    elapsed_ms: float = 0.0
    error: str | None = None

    @property
    def errors(self) -> tuple[KnowledgeProblem, ...]:
        """Problems that kept files out (or, on failure, that stopped the reload)."""
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    def summary_line(self) -> str:
        """One line for logs: outcome, counts and timing."""
        if self.busy:
            return "reload skipped: another reload is running"
        if not self.ok:
            return f"reload failed in {self.elapsed_ms:.0f} ms: {self.error or f'{len(self.errors)} problem(s)'}"
        return (
            f"reload ok in {self.elapsed_ms:.0f} ms: {self.documents} documents, {self.passages} passages "
            f"(was {self.passages_before}); added {len(self.added)}, changed {len(self.changed)}, "
            f"removed {len(self.removed)}, skipped {len(self.skipped)}"
        )


def _diff(before: Snapshot | None, after: Snapshot) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    old = {d.doc_id: d.digest for d in before.documents} if before else {}
    new = {d.doc_id: d.digest for d in after.documents}
    added = tuple(sorted(k for k in new if k not in old))
    removed = tuple(sorted(k for k in old if k not in new))
    changed = tuple(sorted(k for k in new if k in old and old[k] != new[k]))
    return added, changed, removed


class KnowledgeBase:
    """Holds the current snapshot and replaces it atomically on reload."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        skip_bad: bool = False,
        cache_dir: str | os.PathLike[str] | None = None,
        use_cache: bool = True,
        semantic: bool = True,
        semantic_model: str = "",
    ) -> None:
        self.root = Path(root)
        self.skip_bad = skip_bad
        self.cache_dir = (Path(cache_dir) if cache_dir else default_cache_dir(root)) if use_cache else None
        self.semantic = SemanticLayer(self.cache_dir, enabled=semantic, model=semantic_model)
        self._snapshot: Snapshot | None = None
        self._lock = asyncio.Lock()
        self._saving = threading.Lock()
        self._swapping = threading.Lock()
        self._embedding = threading.Lock()
        self._background: set[asyncio.Task[None]] = set()
        self._threads: list[threading.Thread] = []

    @property
    def snapshot(self) -> Snapshot:
        """The snapshot serving right now (one attribute read: always consistent)."""
        if self._snapshot is None:
            raise RuntimeError("the knowledge base has not been loaded")
        return self._snapshot

    @property
    def loaded(self) -> bool:
        """True once a snapshot is serving."""
        return self._snapshot is not None

    def load(self, *, embed: str = "background") -> ReloadReport:
        """Build and install a snapshot (start-up and command line); it answers once this returns.

        What follows the swap (summaries of new documents ranked, the speller built, the cache
        written, then sentence vectors) runs in a thread with ``embed="background"`` (the bot,
        which connects meanwhile), or before returning: ``"now"`` with vectors, ``"no"`` without.
        """
        report = self._rebuild()
        if report.ok:
            if embed == "background":
                thread = threading.Thread(
                    target=self._after_swap, args=(self.snapshot,), name="after-load", daemon=True
                )
                self._threads.append(thread)
                thread.start()
            else:
                self._after_swap(self.snapshot, embed=embed == "now")
        return report

    def _embed(self, snapshot: Snapshot) -> None:
        """Give ``snapshot`` its sentence vectors and swap it in, unless a reload replaced it meanwhile."""
        if not self.semantic.enabled:
            return
        with self._embedding:
            started = time.perf_counter()
            try:
                with_vectors = self.semantic.attach(snapshot, cancelled=lambda: self._snapshot is not snapshot)
            except Exception:  # answering goes on by words; the reason is logged once
                log.exception("sentence vectors could not be built; answering by words")
                return
            with self._swapping:
                if with_vectors is snapshot or self._snapshot is not snapshot:
                    return
                self._snapshot = with_vectors
            log.info(
                "semantic layer on: sentence vectors for %d documents ready in %.1f s",
                len(snapshot.documents),
                time.perf_counter() - started,
            )

    async def reload(self) -> ReloadReport:
        """Rebuild off the event loop and swap; a concurrent call returns a busy report.

        Once the new snapshot serves, the cache is written and the speller built in the
        background: the moderator's reply does not wait for them.
        """
        if self._lock.locked():
            return ReloadReport(ok=False, busy=True)
        async with self._lock:
            report = await asyncio.to_thread(self._rebuild)
        if report.ok:
            task = asyncio.create_task(asyncio.to_thread(self._after_swap, self.snapshot))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        return report

    async def settle(self) -> None:
        """Wait for background work after a load or reload (tests, benchmarks and shutdown)."""
        while self._background or any(t.is_alive() for t in self._threads):
            await asyncio.gather(*list(self._background), return_exceptions=True)
            for thread in self._threads:
                await asyncio.to_thread(thread.join)
            self._threads = [t for t in self._threads if t.is_alive()]

    def _after_swap(self, snapshot: Snapshot, *, embed: bool = True) -> None:
        """What follows a swap, off the event loop: the speller, missing summaries, the cache, vectors.

        The summaries come before the cache (it is never written without them) and before
        the vectors (which rank again only the documents they reach). Once a newer reload
        has replaced ``snapshot``, what is left is that reload's to do.
        """
        snapshot.warm()
        ranked = self._rank(snapshot)
        if ranked is None:
            return
        self._save(ranked)
        if embed:
            self._embed(ranked)

    def _rank(self, snapshot: Snapshot) -> Snapshot | None:
        """Rank the summaries ``snapshot`` started serving without and swap the result in.

        A cold start leaves them all to this (about 5 ms a document, ~5 s of CPU at
        100,000 passages): the bot answers meanwhile, and a summary asked before its
        ranking is here ranks that one document itself. None when a newer reload replaced
        ``snapshot`` (its own background work ranks what it lacks).
        """
        if not snapshot.unranked:
            return snapshot if self._snapshot is snapshot else None
        started = time.perf_counter()
        try:
            ranked = snapshot.with_rankings()
        except Exception:  # summaries go on being ranked on demand; no cache is written without them
            log.exception("summary rankings could not be made")
            return None
        with self._swapping:
            if self._snapshot is not snapshot:
                return None
            self._snapshot = ranked
        log.info("summaries ranked for %d documents in %.1f s", len(snapshot.unranked), time.perf_counter() - started)
        return ranked

    def _save(self, snapshot: Snapshot) -> None:
        if self.cache_dir is None:
            return
        with self._saving:
            if snapshot is self._snapshot:  # a newer reload will save its own
                IndexCache(self.cache_dir).save(snapshot.index, snapshot.analyzer, dict(snapshot.ranked))

    def _rebuild(self) -> ReloadReport:
        started = time.perf_counter()
        before = self._snapshot
        passages_before = before.index.size if before else 0

        def failed(error: str | None, problems: tuple[KnowledgeProblem, ...] = ()) -> ReloadReport:
            elapsed = (time.perf_counter() - started) * 1000
            return ReloadReport(
                ok=False, problems=problems, passages_before=passages_before, elapsed_ms=elapsed, error=error
            )

        try:
            # Summaries of new documents are ranked after the swap (``_rank``): on a cold start
            # that is a fifth of the build's CPU, and nobody should wait for it to ask.
            after = build_snapshot(
                self.root,
                skip_bad=self.skip_bad,
                previous=before,
                cache_dir=self.cache_dir,
                save_cache=False,
                rank="later",
            )
        except KnowledgeError as exc:
            return failed(None, exc.problems)
        except (NotADirectoryError, OSError) as exc:
            return failed(str(exc))
        with self._swapping:
            self._snapshot = after  # the swap: readers see the old or the new snapshot, never a mix
        added, changed, removed = _diff(before, after)
        return ReloadReport(
            ok=True,
            added=added,
            changed=changed,
            removed=removed,
            documents=len(after.documents),
            passages=after.index.size,
            passages_before=passages_before,
            problems=after.problems,
            skipped=after.skipped,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    async def ask(self, question: str, *, top: int = DEFAULT_RESULTS, doc_id: str | None = None) -> Answer:
        """Answer from the current snapshot, in a worker thread when the index is large."""
        snapshot = self.snapshot
        # Encoding the question takes milliseconds of CPU, a snapshot not yet warmed (just
        # swapped in) would build its speller, about a second, and one whose summaries are
        # still to rank would rank them for "what is this about?": never on the event loop.
        if snapshot.semantic or snapshot.index.size >= OFFLOAD_PASSAGES or not snapshot.warmed or snapshot.unranked:
            return await asyncio.to_thread(snapshot.ask, question, top=top, doc_id=doc_id)
        return snapshot.ask(question, top=top, doc_id=doc_id)

    async def summarize(
        self, doc_id: str, *, sentences: int = DEFAULT_SENTENCES, topic: str | None = None
    ) -> Summary | None:
        """A summary from the current snapshot, or None if the document is gone.

        Topic summaries of large knowledge bases run in a worker thread, and so does one
        whose ranking is not made yet (right after a cold start): it ranks that document.
        """
        snapshot = self.snapshot
        document = snapshot.document(doc_id)
        if document is None:
            return None
        on_topic = bool(topic and topic.strip())
        if (on_topic and (snapshot.index.size >= OFFLOAD_PASSAGES or not snapshot.warmed)) or (
            not on_topic and not snapshot.has_ranking(document)
        ):
            return await asyncio.to_thread(snapshot.summarize, document, sentences=sentences, topic=topic)
        return snapshot.summarize(document, sentences=sentences, topic=topic)

    async def overview(self, *, sentences: int = 1) -> list[Summary]:
        """Every document's summary (``/summary`` without a document), in load order.

        From memory once the rankings are made; before that, in a worker thread, which
        ranks the missing ones (seconds for a thousand documents).
        """
        snapshot = self.snapshot

        def each() -> list[Summary]:
            return [snapshot.summarize(d, sentences=sentences) for d in snapshot.documents]

        return await asyncio.to_thread(each) if snapshot.unranked else each()
