"""The store's tables as an ordered list of migrations, applied by the store itself.

Version N means the first N steps have run. A step is only ever appended, never edited:
a database written by an older bot is brought forward step by step, and a bot that finds
a version newer than it knows refuses to write rather than guess (a rolled-back deploy).
"""

from __future__ import annotations

import contextlib

from bot.feedback.backend import Backend, Connection

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SchemaTooNewError", "migrate"]

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: answers, the passages each one cited, and one vote per (answer, voter).
    (
        """CREATE TABLE answers (
            id TEXT PRIMARY KEY,
            asked_at BIGINT NOT NULL,
            guild_id BIGINT,
            channel_id BIGINT,
            asker {blob},
            status TEXT NOT NULL,
            question {blob} NOT NULL,
            quote {blob}
        )""",
        """CREATE TABLE cited (
            answer_id TEXT NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
            ord INTEGER NOT NULL,
            doc_id TEXT NOT NULL,
            paragraph INTEGER,
            PRIMARY KEY (answer_id, ord)
        )""",
        """CREATE TABLE votes (
            answer_id TEXT NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
            voter {blob} NOT NULL,
            helpful INTEGER NOT NULL,
            voted_at BIGINT NOT NULL,
            PRIMARY KEY (answer_id, voter)
        )""",
    ),
    # 2: the document a question was limited to (so a declined question counts against it),
    # and the indexes retention, forget-me and the per-document report read through.
    (
        "ALTER TABLE answers ADD COLUMN scope TEXT",
        "CREATE INDEX answers_asked_at ON answers (asked_at)",
        "CREATE INDEX answers_asker ON answers (asker)",
        "CREATE INDEX votes_voter ON votes (voter)",
        "CREATE INDEX cited_doc ON cited (doc_id)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNewError(Exception):
    """The database was migrated by a newer bot; writing to it could corrupt what that bot expects."""


def migrate(connection: Connection, backend: Backend, upto: int = SCHEMA_VERSION) -> int:
    """Bring the schema to version ``upto``; returns the version found before.

    An up-to-date database is only read (no write lock, so opening never waits for a busy
    writer). Otherwise one transaction takes the write lock (SQLite) or an advisory lock
    (PostgreSQL) before reading the version again, so when several processes start at
    once the second waits and then finds nothing left to do.
    """
    found = _version(connection, backend)
    if found is not None and found >= upto:
        _check(found)
        return found
    connection.execute(backend.sql("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"))
    connection.execute(backend.begin_write)
    try:
        backend.lock_for_migration(connection)
        found = _version(connection, backend) or 0
        _check(found)
        for step in MIGRATIONS[found:upto]:
            for statement in step:
                connection.execute(backend.sql(statement))
        if upto > found:
            connection.execute(backend.sql("DELETE FROM schema_version"))
            connection.execute(backend.sql("INSERT INTO schema_version (version) VALUES (?)"), (upto,))
        connection.execute("COMMIT")
    except BaseException:
        _rollback(connection)
        raise
    return found


def _version(connection: Connection, backend: Backend) -> int | None:
    """The recorded version, 0 for an empty table, None when there is no table yet."""
    try:
        row = connection.execute(backend.sql("SELECT MAX(version) FROM schema_version")).fetchone()
    except backend.errors:
        # Inside the migration transaction the table exists, so only the first read lands here;
        # PostgreSQL in autocommit mode needs no rollback after a failed statement.
        return None
    return int(row[0]) if row and row[0] is not None else 0


def _check(found: int) -> None:
    if found > SCHEMA_VERSION:
        raise SchemaTooNewError(f"the feedback database has schema version {found}; this bot knows {SCHEMA_VERSION}")


def _rollback(connection: Connection) -> None:
    with contextlib.suppress(Exception):  # the original error is the one worth reporting
        connection.execute("ROLLBACK")
