"""Answers, helpful/not-helpful votes and the knowledge-gap report, in SQLite or PostgreSQL.

What is kept, and why no more: the question exactly as typed (the gap report needs the
wording), the outcome, the cited doc ids and ¶, the quote shown, guild and channel ids, a
UTC time, and for the asker and each voter an HMAC-SHA256 of their user id under a key
from configuration: enough to keep one vote per person and to forget a person on request,
never their id or name. Rows older than the retention period are purged.

The answering path (``record_answer``, ``vote``) never raises: a locked, full, missing or
unwritable database means "not recorded" and one rate-limited warning line, and the store
stops trying for a few seconds so a dead disk does not slow every answer. Retention needs
no scheduler: recording an answer purges expired rows, at most once a day. The moderator
path (``gaps``, ``totals``, ``forget_user``, ``purge_older_than``) raises
``FeedbackError`` with one line instead, since its caller must say it failed.

Every method is synchronous and thread-safe: the bot calls it from an executor thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from bot.feedback.backend import Backend, Connection, PostgresBackend, SqliteBackend
from bot.feedback.grouping import MEANING_THRESHOLD, WORD_OVERLAP, Embed, group_by_meaning, group_by_words
from bot.feedback.schema import SchemaTooNewError, migrate

__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "MAX_TEXT_CHARS",
    "AnswerRecord",
    "DayTotals",
    "DocumentTotals",
    "FeedbackError",
    "FeedbackStore",
    "GapGroup",
    "GapReport",
    "Outcome",
    "Totals",
    "VoteOutcome",
    "VoteResult",
    "load_key",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_RETENTION_DAYS = 90
# Discord's longest message; the answerer refuses longer pastes, so nothing useful is cut.
MAX_TEXT_CHARS = 4000
MIN_KEY_BYTES = 16
_DAY_MS = 86_400_000
_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_BIGINT = 2**63
_CHUNK = 500
_VOTE_COUNTS = "SELECT COUNT(*), COALESCE(SUM(helpful), 0) FROM votes WHERE answer_id = ?"


class FeedbackError(Exception):
    """The database could not be read or written; the message is one line for a moderator."""


class Outcome(Enum):
    """What became of a question, as far as the gap report cares."""

    ANSWERED = "answered"
    DECLINED = "declined"  # searched, and the knowledge base does not answer it: a gap
    REFUSED = "refused"  # not searchable (empty, too long, unknown document): not a gap

    @classmethod
    def of(cls, status: object) -> Outcome:
        """An Outcome from itself, from the answerer's ``Status`` or from either one's value."""
        if isinstance(status, Outcome):
            return status
        value = getattr(status, "value", status)
        if value not in _STATUS_VALUES:
            raise ValueError(f"unknown answer status {value!r}")
        return _STATUS_VALUES[value]


_STATUS_VALUES = {
    "answered": Outcome.ANSWERED,
    "declined": Outcome.DECLINED,
    "not_found": Outcome.DECLINED,
    "refused": Outcome.REFUSED,
    "empty": Outcome.REFUSED,
    "too_long": Outcome.REFUSED,
    "unknown_document": Outcome.REFUSED,
}


class VoteOutcome(Enum):
    """What a click on helpful / not helpful did."""

    RECORDED = "recorded"  # the person's first vote on this answer
    CHANGED = "changed"  # they had voted the other way; the new vote replaces it
    UNCHANGED = "unchanged"  # the same vote again
    UNKNOWN_ANSWER = "unknown_answer"  # no such answer (never recorded, purged or forgotten)
    NOT_RECORDED = "not_recorded"  # the database is unavailable


@dataclass(frozen=True, slots=True)
class VoteResult:
    """The outcome and the answer's vote counts after it (zeros when not recorded)."""

    outcome: VoteOutcome
    helpful: int = 0
    not_helpful: int = 0

    @property
    def recorded(self) -> bool:
        """True when the person's vote is now stored as they clicked it."""
        return self.outcome in {VoteOutcome.RECORDED, VoteOutcome.CHANGED, VoteOutcome.UNCHANGED}


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """One stored answer as read back; ``question`` and ``quote`` are exactly what was recorded."""

    id: str
    asked_at: datetime
    outcome: Outcome
    question: str
    quote: str | None
    cited: tuple[tuple[str, int | None], ...]
    guild_id: int | None
    channel_id: int | None
    document: str | None
    helpful: int
    not_helpful: int


@dataclass(frozen=True, slots=True)
class GapGroup:
    """One line of the gap report: one question, however many ways it was asked.

    ``question`` is raw user text: escape it before showing it on Discord.
    """

    question: str
    count: int
    declined: int
    unhelpful: int
    last_seen: datetime
    quote: str | None
    documents: tuple[str, ...]
    wordings: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (lone surrogates in user text must be escaped by the encoder)."""
        return {
            "question": self.question,
            "count": self.count,
            "declined": self.declined,
            "unhelpful": self.unhelpful,
            "last_seen": self.last_seen.isoformat(),
            "quote": self.quote,
            "documents": list(self.documents),
            "wordings": list(self.wordings),
        }


@dataclass(frozen=True, slots=True)
class GapReport:
    """What people asked that the knowledge base did not answer well, and the overall rates."""

    days: int
    document: str | None
    since: datetime
    grouping: str  # "words" or "meaning"
    groups: tuple[GapGroup, ...]
    asked: int
    answered: int
    votes: int
    helpful_votes: int
    truncated: bool = False  # only the most recent ``limit`` gap questions were grouped

    @property
    def answered_share(self) -> float | None:
        """Of the questions asked in the window, the share that got passages."""
        return self.answered / self.asked if self.asked else None

    @property
    def helpful_share(self) -> float | None:
        """Of the votes cast on the window's answers, the share that said helpful."""
        return self.helpful_votes / self.votes if self.votes else None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "days": self.days,
            "document": self.document,
            "since": self.since.isoformat(),
            "grouping": self.grouping,
            "asked": self.asked,
            "answered": self.answered,
            "answered_share": self.answered_share,
            "votes": self.votes,
            "helpful_votes": self.helpful_votes,
            "helpful_share": self.helpful_share,
            "truncated": self.truncated,
            "groups": [g.to_json() for g in self.groups],
        }


@dataclass(frozen=True, slots=True)
class DocumentTotals:
    """Per document: answers citing it, declined questions limited to it, votes on its answers."""

    doc_id: str
    answers: int
    declined: int
    helpful: int
    not_helpful: int


@dataclass(frozen=True, slots=True)
class DayTotals:
    """Per UTC day: questions by outcome (by the day asked) and votes (by the day cast)."""

    day: date
    asked: int
    answered: int
    declined: int
    helpful: int
    not_helpful: int


@dataclass(frozen=True, slots=True)
class Totals:
    """Counts for ``python -m bot feedback --json``; nothing in it identifies anyone."""

    since: datetime | None
    per_document: tuple[DocumentTotals, ...]
    per_day: tuple[DayTotals, ...]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "since": self.since.isoformat() if self.since else None,
            "documents": [
                {
                    "doc_id": d.doc_id,
                    "answers": d.answers,
                    "declined": d.declined,
                    "helpful": d.helpful,
                    "not_helpful": d.not_helpful,
                }
                for d in self.per_document
            ],
            "days": [
                {
                    "day": d.day.isoformat(),
                    "asked": d.asked,
                    "answered": d.answered,
                    "declined": d.declined,
                    "helpful": d.helpful,
                    "not_helpful": d.not_helpful,
                }
                for d in self.per_day
            ],
        }


def load_key(secret: str | bytes | None, key_file: str | os.PathLike[str]) -> bytes:
    """The HMAC key: the configured secret if any, else a random one kept in ``key_file``.

    The file is created once, atomically (written aside, then hard-linked into place), so
    several processes starting together agree on one key. Bots on several hosts must share
    a configured key. Changing the key makes old votes unrecognisable to forget_user.
    """
    if secret:
        key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"the feedback key must be at least {MIN_KEY_BYTES} bytes")
        return key
    path = Path(key_file)
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(32))
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process won the race: use its key
            os.link(aside, path)
    finally:
        aside.unlink(missing_ok=True)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    key = path.read_bytes()
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"{path}: the feedback key file is shorter than {MIN_KEY_BYTES} bytes")
    return key


class FeedbackStore:
    """The feedback database; open with ``FeedbackStore.sqlite`` or ``FeedbackStore.postgres``.

    Connects (and creates or migrates the schema) on first use, not at construction, so a
    bot whose database is broken still starts and answers.
    """

    def __init__(
        self,
        backend: Backend,
        key: bytes | Callable[[], bytes],
        *,
        clock: Callable[[], float] = time.time,
        retry_seconds: float = 10.0,
        log_interval: float = 300.0,
        retention_days: int | None = DEFAULT_RETENTION_DAYS,
    ) -> None:
        self._backend = backend
        self._retention_days = None if retention_days is None else _positive(retention_days, "retention_days")
        self._last_purge = float("-inf")
        self._key_source = key
        self._key: bytes | None = None
        self._clock = clock
        self._retry_seconds = retry_seconds
        self._log_interval = log_interval
        self._lock = threading.Lock()
        self._connection: Connection | None = None
        self._down_until = float("-inf")
        self._last_complaint: float | None = None
        self._quiet_failures = 0

    @classmethod
    def sqlite(
        cls,
        path: str | os.PathLike[str],
        key: bytes | str | None = None,
        *,
        busy_timeout_ms: int = 1000,
        max_bytes: int | None = None,
        clock: Callable[[], float] = time.time,
        retry_seconds: float = 10.0,
        log_interval: float = 300.0,
        retention_days: int | None = DEFAULT_RETENTION_DAYS,
    ) -> FeedbackStore:
        """A store in one SQLite file (``DATABASE_PATH``); without a key, ``<path>.key`` holds one.

        ``max_bytes`` caps the file so feedback can never fill the disk (then: not recorded).
        """
        backend = SqliteBackend(path, busy_timeout_ms=busy_timeout_ms, max_bytes=max_bytes)
        key_file = Path(f"{os.fspath(path)}.key")
        source: bytes | Callable[[], bytes] = load_key(key, key_file) if key else (lambda: load_key(None, key_file))
        return cls(
            backend,
            source,
            clock=clock,
            retry_seconds=retry_seconds,
            log_interval=log_interval,
            retention_days=retention_days,
        )

    @classmethod
    def postgres(
        cls,
        url: str,
        key: bytes | str,
        *,
        clock: Callable[[], float] = time.time,
        retry_seconds: float = 10.0,
        log_interval: float = 300.0,
        retention_days: int | None = DEFAULT_RETENTION_DAYS,
    ) -> FeedbackStore:
        """A store on a PostgreSQL server (``DATABASE_URL``); needs ``psycopg`` and a shared key."""
        if not key:
            raise ValueError("a PostgreSQL feedback store needs a key (FEEDBACK_KEY) shared by every host")
        return cls(
            PostgresBackend(url),
            load_key(key, os.devnull),
            clock=clock,
            retry_seconds=retry_seconds,
            log_interval=log_interval,
            retention_days=retention_days,
        )

    @property
    def backend(self) -> Backend:
        """Which database this store writes to."""
        return self._backend

    # The answering path: never raises.

    def record_answer(
        self,
        question: str,
        status: object,
        *,
        cited: Iterable[tuple[str, int | None]] = (),
        quote: str | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user_id: int | None = None,
        document: str | None = None,
    ) -> str | None:
        """Store one answered (or declined) question; its id, or None when not recorded.

        ``status`` is an Outcome or the answerer's Status; ``cited`` the (doc id, ¶) of
        each passage shown, in order; ``quote`` the top quote shown; ``document`` the
        document the question was limited to, if any; ``user_id`` the asker, kept only as
        a keyed hash so ``forget_user`` can find their questions. The id is 16 URL-safe
        characters, for a button's custom_id.
        """

        def work(connection: Connection) -> str:
            outcome = Outcome.of(status)
            answer_id = secrets.token_urlsafe(12)
            asker = self._hash(user_id) if user_id is not None else None
            row = (
                answer_id,
                int(self._clock() * 1000),
                _snowflake(guild_id),
                _snowflake(channel_id),
                asker,
                outcome.value,
                _pack(question),
                _pack(quote) if quote is not None else None,
                _plain(document) if document is not None else None,
            )
            passages = [(answer_id, i, _plain(doc), _paragraph(p)) for i, (doc, p) in enumerate(cited)]
            with self._transaction(connection, write=True):
                self._execute(
                    connection,
                    "INSERT INTO answers (id, asked_at, guild_id, channel_id, asker, status, question, quote, scope)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
                if passages:
                    connection.cursor().executemany(
                        self._backend.sql("INSERT INTO cited (answer_id, ord, doc_id, paragraph) VALUES (?, ?, ?, ?)"),
                        passages,
                    )
            self._purge_if_due(connection)
            return answer_id

        return self._quietly(work, None)

    def vote(self, answer_id: str, user_id: int, helpful: bool) -> VoteResult:
        """Record one person's vote on an answer; a second click replaces their first."""
        if not isinstance(answer_id, str) or not _ID.match(answer_id):
            return VoteResult(VoteOutcome.UNKNOWN_ANSWER)

        def work(connection: Connection) -> VoteResult:
            voter = self._hash(user_id)
            value = 1 if helpful else 0
            with self._transaction(connection, write=True):
                if self._one(connection, "SELECT 1 FROM answers WHERE id = ?", (answer_id,)) is None:
                    return VoteResult(VoteOutcome.UNKNOWN_ANSWER)
                before = self._one(
                    connection, "SELECT helpful FROM votes WHERE answer_id = ? AND voter = ?", (answer_id, voter)
                )
                if before is None:
                    outcome = VoteOutcome.RECORDED
                elif int(before[0]) == value:
                    outcome = VoteOutcome.UNCHANGED
                else:
                    outcome = VoteOutcome.CHANGED
                if outcome is not VoteOutcome.UNCHANGED:
                    self._execute(
                        connection,
                        "INSERT INTO votes (answer_id, voter, helpful, voted_at) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (answer_id, voter) DO UPDATE"
                        " SET helpful = excluded.helpful, voted_at = excluded.voted_at",
                        (answer_id, voter, value, int(self._clock() * 1000)),
                    )
                counts = self._one(connection, _VOTE_COUNTS, (answer_id,))
            total, up = (int(counts[0]), int(counts[1])) if counts else (0, 0)
            return VoteResult(outcome, up, total - up)

        return self._quietly(work, VoteResult(VoteOutcome.NOT_RECORDED))

    # The moderator path: raises FeedbackError.

    def gaps(
        self,
        days: int = 7,
        document: str | None = None,
        *,
        embed: Embed | None = None,
        threshold: float = MEANING_THRESHOLD,
        overlap: float = WORD_OVERLAP,
        limit: int = 2000,
    ) -> GapReport:
        """Declined questions and answers voted unhelpful in the last ``days``, grouped.

        An answered question counts as voted unhelpful when it has at least as many
        not-helpful as helpful votes, and at least one (a declined one is a gap already).
        With ``document``, only questions limited to it or answered from it count, in the
        groups and in the totals. With ``embed`` (texts -> unit-norm rows) questions are
        grouped by meaning; if it fails, by words. Grouping holds an n x n matrix, so only
        the ``limit`` most recent gap questions are grouped (``truncated`` says so); the
        totals always count everything in the window.
        """
        days = _positive(days, "days")
        since_ms = int(self._clock() * 1000) - days * _DAY_MS
        where, scope = self._scope(document)

        def work(connection: Connection) -> tuple[Any, ...]:
            with self._transaction(connection, write=False):
                asked = self._one(
                    connection,
                    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN a.status = ? THEN 1 ELSE 0 END), 0)"
                    f" FROM answers a WHERE a.asked_at >= ?{where}",
                    (Outcome.ANSWERED.value, since_ms, *scope),
                )
                votes = self._one(
                    connection,
                    "SELECT COUNT(*), COALESCE(SUM(v.helpful), 0) FROM votes v JOIN answers a ON a.id = v.answer_id"
                    f" WHERE a.asked_at >= ?{where}",
                    (since_ms, *scope),
                )
                declined = self._all(
                    connection,
                    "SELECT a.id, a.asked_at, a.question, a.quote, 1 FROM answers a"
                    f" WHERE a.asked_at >= ? AND a.status = ?{where} ORDER BY a.asked_at DESC, a.id LIMIT ?",
                    (since_ms, Outcome.DECLINED.value, *scope, limit + 1),
                )
                unhelpful = self._all(
                    connection,
                    "SELECT a.id, a.asked_at, a.question, a.quote, 0 FROM answers a JOIN"
                    " (SELECT answer_id, SUM(helpful) AS up, COUNT(*) AS n FROM votes GROUP BY answer_id) t"
                    " ON t.answer_id = a.id"
                    f" WHERE a.asked_at >= ? AND a.status = ? AND t.n > t.up AND 2 * t.up <= t.n{where}"
                    " ORDER BY a.asked_at DESC, a.id LIMIT ?",
                    (since_ms, Outcome.ANSWERED.value, *scope, limit + 1),
                )
                items = sorted([*declined, *unhelpful], key=lambda r: (-int(r[1]), r[0]))
                truncated = len(items) > limit
                items = items[:limit]
                documents = self._cited_documents(connection, [r[0] for r in items if not r[4]])
            return asked, votes, items, truncated, documents

        asked, votes, items, truncated, documents = self._loudly(work)
        items.reverse()  # oldest first: the first wording of a question leads its group
        texts = [_unpack(r[2]) for r in items]
        grouping = "words"
        groups = None
        if embed is not None and texts:
            try:
                groups = group_by_meaning(texts, embed, threshold)
                grouping = "meaning"
            except Exception as error:  # an encoder failure must not cost the report
                log.warning("gap report: grouping by meaning failed (%s); grouped by words", _describe(error))
        if groups is None:
            groups = group_by_words(texts, overlap)
        lines = [_gap_group(items, texts, members, documents) for members in groups]
        lines.sort(key=lambda g: (-g.count, -g.last_seen.timestamp(), g.question))
        return GapReport(
            days=days,
            document=document,
            since=_datetime(since_ms),
            grouping=grouping,
            groups=tuple(lines),
            asked=int(asked[0]),
            answered=int(asked[1]),
            votes=int(votes[0]),
            helpful_votes=int(votes[1]),
            truncated=truncated,
        )

    def answer(self, answer_id: str) -> AnswerRecord | None:
        """One answer with its citations and vote counts; None if there is no such answer."""
        if not isinstance(answer_id, str) or not _ID.match(answer_id):
            return None

        def work(connection: Connection) -> AnswerRecord | None:
            with self._transaction(connection, write=False):
                row = self._one(
                    connection,
                    "SELECT id, asked_at, status, question, quote, guild_id, channel_id, scope"
                    " FROM answers WHERE id = ?",
                    (answer_id,),
                )
                if row is None:
                    return None
                cited = self._all(
                    connection, "SELECT doc_id, paragraph FROM cited WHERE answer_id = ? ORDER BY ord", (answer_id,)
                )
                votes = self._one(connection, _VOTE_COUNTS, (answer_id,))
            return AnswerRecord(
                id=row[0],
                asked_at=_datetime(row[1]),
                outcome=Outcome(row[2]),
                question=_unpack(row[3]),
                quote=_unpack(row[4]) if row[4] is not None else None,
                cited=tuple((str(d), None if p is None else int(p)) for d, p in cited),
                guild_id=row[5],
                channel_id=row[6],
                document=row[7],
                helpful=int(votes[1]),
                not_helpful=int(votes[0]) - int(votes[1]),
            )

        return self._loudly(work)

    def totals(self, days: int | None = None) -> Totals:
        """Counts per document and per UTC day, over the last ``days`` (default: everything kept)."""
        since_ms = 0 if days is None else int(self._clock() * 1000) - _positive(days, "days") * _DAY_MS

        def work(connection: Connection) -> tuple[list[Any], ...]:
            with self._transaction(connection, write=False):
                asked = self._all(
                    connection,
                    f"SELECT a.asked_at / {_DAY_MS}, a.status, COUNT(*) FROM answers a WHERE a.asked_at >= ?"
                    f" GROUP BY a.asked_at / {_DAY_MS}, a.status",
                    (since_ms,),
                )
                voted = self._all(
                    connection,
                    f"SELECT v.voted_at / {_DAY_MS}, v.helpful, COUNT(*) FROM votes v WHERE v.voted_at >= ?"
                    f" GROUP BY v.voted_at / {_DAY_MS}, v.helpful",
                    (since_ms,),
                )
                cited = self._all(
                    connection,
                    "SELECT c.doc_id, COUNT(DISTINCT c.answer_id) FROM cited c JOIN answers a ON a.id = c.answer_id"
                    " WHERE a.asked_at >= ? GROUP BY c.doc_id",
                    (since_ms,),
                )
                declined = self._all(
                    connection,
                    "SELECT a.scope, COUNT(*) FROM answers a"
                    " WHERE a.asked_at >= ? AND a.status = ? AND a.scope IS NOT NULL GROUP BY a.scope",
                    (since_ms, Outcome.DECLINED.value),
                )
                doc_votes = self._all(
                    connection,
                    "SELECT d.doc_id, v.helpful, COUNT(*) FROM votes v"
                    " JOIN (SELECT DISTINCT answer_id, doc_id FROM cited) d ON d.answer_id = v.answer_id"
                    " JOIN answers a ON a.id = v.answer_id WHERE a.asked_at >= ? GROUP BY d.doc_id, v.helpful",
                    (since_ms,),
                )
            return asked, voted, cited, declined, doc_votes

        asked, voted, cited, declined, doc_votes = self._loudly(work)
        days_seen: dict[int, Counter[str]] = {}
        for day, status, count in asked:
            days_seen.setdefault(int(day), Counter())[str(status)] += int(count)
        for day, helpful, count in voted:
            days_seen.setdefault(int(day), Counter())["up" if int(helpful) else "down"] += int(count)
        per_day = tuple(
            DayTotals(
                day=_datetime(day * _DAY_MS).date(),
                asked=c["answered"] + c["declined"] + c["refused"],
                answered=c["answered"],
                declined=c["declined"],
                helpful=c["up"],
                not_helpful=c["down"],
            )
            for day, c in sorted(days_seen.items())
        )
        docs: dict[str, Counter[str]] = {}
        for doc_id, count in cited:
            docs.setdefault(str(doc_id), Counter())["answers"] += int(count)
        for doc_id, count in declined:
            docs.setdefault(str(doc_id), Counter())["declined"] += int(count)
        for doc_id, helpful, count in doc_votes:
            docs.setdefault(str(doc_id), Counter())["up" if int(helpful) else "down"] += int(count)
        per_document = tuple(
            DocumentTotals(doc_id, c["answers"], c["declined"], c["up"], c["down"])
            for doc_id, c in sorted(docs.items())
        )
        return Totals(_datetime(since_ms) if days is not None else None, per_document, per_day)

    def forget_user(self, user_id: int) -> int:
        """Delete a person's votes and every question they asked (with its votes); rows removed.

        The count is the person's own rows: their votes plus their questions.
        """

        def work(connection: Connection) -> int:
            person = self._hash(user_id)
            with self._transaction(connection, write=True):
                votes = self._execute(connection, "DELETE FROM votes WHERE voter = ?", (person,)).rowcount
                owned = "SELECT id FROM answers WHERE asker = ?"
                self._execute(connection, f"DELETE FROM votes WHERE answer_id IN ({owned})", (person,))
                self._execute(connection, f"DELETE FROM cited WHERE answer_id IN ({owned})", (person,))
                answers = self._execute(connection, "DELETE FROM answers WHERE asker = ?", (person,)).rowcount
            return int(votes) + int(answers)

        return self._loudly(work)

    def purge_older_than(self, days: int = DEFAULT_RETENTION_DAYS) -> int:
        """Delete answers asked more than ``days`` ago, with their citations and votes; answers removed."""
        days = _positive(days, "days")
        return self._loudly(lambda connection: self._purge(connection, days))

    def close(self) -> None:
        """Close the connection; a later call reconnects."""
        with self._lock:
            self._drop()

    def __enter__(self) -> FeedbackStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # Internals.

    def _purge(self, connection: Connection, days: int) -> int:
        cutoff = int(self._clock() * 1000) - days * _DAY_MS
        with self._transaction(connection, write=True):
            old = "SELECT id FROM answers WHERE asked_at < ?"
            self._execute(connection, f"DELETE FROM votes WHERE answer_id IN ({old})", (cutoff,))
            self._execute(connection, f"DELETE FROM cited WHERE answer_id IN ({old})", (cutoff,))
            return int(self._execute(connection, "DELETE FROM answers WHERE asked_at < ?", (cutoff,)).rowcount)

    def _purge_if_due(self, connection: Connection) -> None:
        """Retention without a scheduler: at most once a day, after recording an answer.

        A failed purge costs only a warning; the answer just recorded stays recorded.
        """
        now = self._clock()
        if self._retention_days is None or now - self._last_purge < 86_400:
            return
        self._last_purge = now
        try:
            removed = self._purge(connection, self._retention_days)
        except Exception as error:
            self._complain(error, time.monotonic())
            return
        if removed:
            log.info("feedback: deleted %d answers older than %d days", removed, self._retention_days)

    def _hash(self, user_id: int) -> bytes:
        """HMAC-SHA256 of the user id: stable per key, useless without it."""
        if self._key is None:
            self._key = self._key_source() if callable(self._key_source) else self._key_source
        return hmac.new(self._key, b"discord-user:%d" % int(user_id), hashlib.sha256).digest()

    def _connect(self) -> Connection:
        if self._connection is None:
            connection = self._backend.connect()
            try:
                migrate(connection, self._backend)
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):  # closing a broken connection can fail too
                self._connection.close()
            self._connection = None

    def _quietly(self, work: Callable[[Connection], T], fallback: T) -> T:
        """Run on the answering path: any failure is "not recorded" and at most one log line."""
        with self._lock:
            now = time.monotonic()
            if now < self._down_until:
                self._quiet_failures += 1
                return fallback
            try:
                return work(self._connect())
            except Exception as error:
                self._drop()
                self._down_until = time.monotonic() + self._retry_seconds
                self._complain(error, now)
                return fallback

    def _complain(self, error: BaseException, now: float) -> None:
        if self._last_complaint is not None and now - self._last_complaint < self._log_interval:
            self._quiet_failures += 1
            return
        more = f" ({self._quiet_failures} more not recorded since the last warning)" if self._quiet_failures else ""
        log.warning("feedback not recorded: %s%s", _describe(error, self._backend), more)
        self._last_complaint = now
        self._quiet_failures = 0

    def _loudly(self, work: Callable[[Connection], T]) -> T:
        """Run on the moderator path: a database failure is one FeedbackError line."""
        with self._lock:
            try:
                return work(self._connect())
            except (*self._backend.errors, SchemaTooNewError, ValueError) as error:
                self._drop()
                raise FeedbackError(f"feedback database unavailable: {_describe(error, self._backend)}") from None

    @contextmanager
    def _transaction(self, connection: Connection, *, write: bool) -> Iterator[None]:
        connection.execute(self._backend.begin_write if write else "BEGIN")
        try:
            yield
        except BaseException:
            with contextlib.suppress(Exception):  # the caller drops the connection anyway
                connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def _execute(self, connection: Connection, sql: str, parameters: Sequence[Any] = ()) -> Any:
        return connection.execute(self._backend.sql(sql), tuple(parameters))

    def _one(self, connection: Connection, sql: str, parameters: Sequence[Any] = ()) -> Any:
        return self._execute(connection, sql, parameters).fetchone()

    def _all(self, connection: Connection, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        return list(self._execute(connection, sql, parameters).fetchall())

    @staticmethod
    def _scope(document: str | None) -> tuple[str, tuple[str, ...]]:
        """The WHERE fragment that keeps answers about one document (limited to it or citing it)."""
        if document is None:
            return "", ()
        doc = _plain(document)
        fragment = " AND (a.scope = ? OR EXISTS (SELECT 1 FROM cited c WHERE c.answer_id = a.id AND c.doc_id = ?))"
        return fragment, (doc, doc)

    def _cited_documents(self, connection: Connection, answer_ids: list[str]) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        for start in range(0, len(answer_ids), _CHUNK):
            chunk = answer_ids[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = self._all(
                connection, f"SELECT answer_id, doc_id FROM cited WHERE answer_id IN ({marks}) ORDER BY ord", chunk
            )
            for answer_id, doc_id in rows:
                docs = found.setdefault(answer_id, [])
                if doc_id not in docs:
                    docs.append(doc_id)
        return {k: tuple(v) for k, v in found.items()}


def _gap_group(
    items: list[Any], texts: list[str], members: list[int], documents: dict[str, tuple[str, ...]]
) -> GapGroup:
    """One report line; the representative is the most asked wording, the latest on ties."""
    folded = [" ".join(texts[i].casefold().split()) for i in members]
    counts = Counter(folded)
    latest_of: dict[str, int] = {}
    for i, fold in zip(members, folded, strict=True):
        latest_of[fold] = i  # members are oldest first, so the last one seen is the latest
    best = max(counts, key=lambda f: (counts[f], int(items[latest_of[f]][1]), -latest_of[f]))
    quote = None
    for i in reversed(members):
        if not items[i][4] and items[i][3] is not None:
            quote = _unpack(items[i][3])
            break
    docs: list[str] = []
    for i in members:
        for doc in documents.get(items[i][0], ()):
            if doc not in docs:
                docs.append(doc)
    wordings = sorted(counts, key=lambda f: (-counts[f], -latest_of[f]))[:5]
    declined = sum(1 for i in members if items[i][4])
    return GapGroup(
        question=texts[latest_of[best]],
        count=len(members),
        declined=declined,
        unhelpful=len(members) - declined,
        last_seen=_datetime(max(int(items[i][1]) for i in members)),
        quote=quote,
        documents=tuple(sorted(docs)),
        wordings=tuple(texts[latest_of[f]] for f in wordings),
    )


def _pack(text: str) -> bytes:
    """User text as stored: UTF-8 that keeps lone surrogates and NUL, so any str round-trips.

    Neither database's text type can hold every Python str (SQLite's driver rejects lone
    surrogates, PostgreSQL rejects NUL), so user text goes in a binary column.
    """
    return str(text)[:MAX_TEXT_CHARS].encode("utf-8", "surrogatepass")


def _unpack(data: bytes | memoryview) -> str:
    return bytes(data).decode("utf-8", "surrogatepass")


def _plain(text: str) -> str:
    """Our own identifiers (doc ids) in a text column: valid UTF-8 without NUL, at most 200 chars."""
    return str(text)[:200].encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


def _snowflake(value: int | None) -> int | None:
    """A Discord id as a signed 64-bit integer (every id until 2084 fits); anything else: unknown."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < _BIGINT else None


def _paragraph(value: int | None) -> int | None:
    return None if value is None else int(value)


def _positive(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
    return value


def _datetime(ms: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(ms))


def _describe(error: BaseException, backend: Backend | None = None) -> str:
    return (backend or Backend()).describe(error)
