"""The store brings an older database forward, keeping its rows, and records the version."""

from __future__ import annotations

from bot.feedback import Outcome, VoteOutcome
from bot.feedback.schema import MIGRATIONS, SCHEMA_VERSION, migrate


def test_a_version_1_database_is_migrated_and_keeps_its_answers(make_store):
    store = make_store()
    backend = store.backend
    raw = backend.connect()
    assert migrate(raw, backend, upto=1) == 0
    raw.execute(
        backend.sql(
            "INSERT INTO answers (id, asked_at, guild_id, channel_id, asker, status, question, quote)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        ),
        (
            "oldanswer0000001",
            1_749_999_000_000,
            5,
            6,
            None,
            "declined",
            "an old question \ud800".encode("utf-8", "surrogatepass"),
            None,
        ),
    )
    raw.execute(
        backend.sql("INSERT INTO cited (answer_id, ord, doc_id, paragraph) VALUES (?, ?, ?, ?)"),
        ("oldanswer0000001", 0, "d", 4),
    )
    raw.close()

    old = store.answer("oldanswer0000001")  # the first use migrates
    assert (old.question, old.outcome, old.cited, old.document) == (
        "an old question \ud800",
        Outcome.DECLINED,
        (("d", 4),),
        None,
    )
    assert store.vote("oldanswer0000001", 9, helpful=False).outcome is VoteOutcome.RECORDED
    new = store.answer(store.record_answer("new", Outcome.DECLINED, document="d"))
    assert new.document == "d"  # the column version 2 added
    assert [g.question for g in store.gaps(7, document="d").groups] == ["new", "an old question \ud800"]

    raw = backend.connect()
    assert raw.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    assert migrate(raw, backend) == SCHEMA_VERSION  # nothing left to do
    raw.close()


def test_migrations_are_ordered_steps_and_a_new_database_gets_all_of_them(make_store):
    assert SCHEMA_VERSION == len(MIGRATIONS) >= 2
    store = make_store()
    store.record_answer("q", Outcome.ANSWERED)
    raw = store.backend.connect()
    assert raw.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    raw.close()
