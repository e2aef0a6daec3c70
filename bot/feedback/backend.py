"""Everything SQLite and PostgreSQL disagree on, in one small class each.

The store writes one dialect: ``?`` placeholders, ``{blob}`` for the binary column type,
``INSERT ... ON CONFLICT ... DO UPDATE``, integer arithmetic, explicit ``BEGIN``/``COMMIT``.
A backend turns that into what its driver wants and says how to open, lock and describe
errors. Nothing else in the package knows which database it talks to.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any, Protocol

__all__ = ["Backend", "Connection", "PostgresBackend", "SqliteBackend"]


class Connection(Protocol):
    """The part of a DB-API connection both drivers share."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...  # noqa: D102

    def cursor(self) -> Any: ...  # noqa: D102

    def close(self) -> None: ...  # noqa: D102


class Backend:
    """What a database needs beyond portable SQL; subclasses fill in the differences."""

    name = "?"
    blob_type = "BLOB"
    # Taking the write lock at BEGIN (not at the first write) avoids two readers deadlocking on upgrade.
    begin_write = "BEGIN"
    errors: tuple[type[BaseException], ...] = ()

    def connect(self) -> Connection:
        """A new connection in autocommit mode (the store issues BEGIN/COMMIT itself)."""
        raise NotImplementedError

    def sql(self, statement: str) -> str:
        """The statement in this driver's placeholder style."""
        return statement.replace("{blob}", self.blob_type)

    def lock_for_migration(self, connection: Connection) -> None:
        """Serialise schema migrations between processes, inside the open transaction."""

    def describe(self, error: BaseException) -> str:
        """One short line about a failure, without any row data."""
        first = (str(error).strip().splitlines() or [""])[0]
        return f"{type(error).__name__}: {first[:160]}" if first else type(error).__name__


class SqliteBackend(Backend):
    """One file, WAL journal: readers never block the writer, processes on one host share it."""

    name = "sqlite"
    blob_type = "BLOB"
    begin_write = "BEGIN IMMEDIATE"
    errors = (sqlite3.Error, OSError)

    def __init__(
        self, path: str | os.PathLike[str], *, busy_timeout_ms: int = 1000, max_bytes: int | None = None
    ) -> None:
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        self.max_bytes = max_bytes

    def connect(self) -> Connection:
        """Open (creating the folder and file if needed) with WAL, a busy timeout and foreign keys."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(
            self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(f"cannot use WAL journal (got {mode}) at {self.path}")
            # WAL + NORMAL survives a crashed process; only a power cut can lose the last commits.
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA foreign_keys = ON")
            if self.max_bytes is not None:
                page = connection.execute("PRAGMA page_size").fetchone()[0]
                connection.execute(f"PRAGMA max_page_count = {max(1, int(self.max_bytes) // int(page))}")
        except BaseException:
            connection.close()
            raise
        return connection

    def __repr__(self) -> str:
        return f"SqliteBackend({str(self.path)!r})"


class PostgresBackend(Backend):
    """A PostgreSQL server through psycopg 3, for bots on several hosts (``DATABASE_URL``)."""

    name = "postgresql"
    blob_type = "BYTEA"
    begin_write = "BEGIN"
    _MIGRATION_LOCK = 0x6B6E6F77  # any constant shared by every process of the bot

    def __init__(self, url: str, *, connect_timeout: int = 5) -> None:
        try:
            import psycopg  # optional dependency: only needed when a server is used
        except ImportError as error:
            raise ImportError("a PostgreSQL feedback store needs psycopg: pip install '.[postgres]'") from error

        self._psycopg = psycopg
        self.url = url
        self.connect_timeout = connect_timeout
        self.errors = (psycopg.Error, OSError)

    def connect(self) -> Connection:
        """Connect in autocommit mode so BEGIN/COMMIT are the store's, as with SQLite."""
        return self._psycopg.connect(self.url, autocommit=True, connect_timeout=self.connect_timeout)

    def sql(self, statement: str) -> str:
        """``?`` becomes ``%s``; a literal ``%`` is doubled first so psycopg leaves it alone.

        A plain replace is enough because the store's SQL has no string literals.
        """
        return super().sql(statement).replace("%", "%%").replace("?", "%s")

    def lock_for_migration(self, connection: Connection) -> None:
        """A transaction-scoped advisory lock: a second process waits, then sees the new version."""
        connection.execute(f"SELECT pg_advisory_xact_lock({self._MIGRATION_LOCK})")

    def __repr__(self) -> str:
        return "PostgresBackend(<url hidden>)"
