"""A broken database never breaks an answer: "not recorded", and one log line, not a flood."""

from __future__ import annotations

import logging
import sqlite3
import time

import pytest

from bot.feedback import FeedbackError, FeedbackStore, Outcome, VoteOutcome
from bot.feedback.schema import SCHEMA_VERSION
from tests.feedback.conftest import KEY

LOGGER = "bot.feedback.store"


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno >= logging.WARNING]


def answering_path_calls(store: FeedbackStore, answer_id: str, times: int = 4) -> None:
    """What the bot does while answering: record questions and votes; none of it may raise."""
    for i in range(times):
        assert store.record_answer(f"question {i}", Outcome.ANSWERED, cited=[("d", 1)], user_id=i) is None
        result = store.vote(answer_id, i, helpful=True)
        assert result.outcome is VoteOutcome.NOT_RECORDED
        assert not result.recorded


def test_a_locked_database_is_not_recorded_with_one_line_and_recovers(tmp_path, caplog):
    path = tmp_path / "f.db"
    store = FeedbackStore.sqlite(path, key=KEY, busy_timeout_ms=50, retry_seconds=0)
    answer_id = store.record_answer("before the lock", Outcome.ANSWERED)
    assert answer_id is not None
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    caplog.set_level(logging.WARNING, LOGGER)
    answering_path_calls(store, answer_id)
    lines = warnings(caplog)
    assert len(lines) == 1, lines
    assert "locked" in lines[0] and "\n" not in lines[0]
    other.execute("COMMIT")
    other.close()
    assert store.record_answer("after the lock", Outcome.ANSWERED) is not None
    assert store.vote(answer_id, 1, helpful=True).outcome is VoteOutcome.RECORDED
    store.close()


def test_after_a_failure_the_store_backs_off_instead_of_waiting_on_every_answer(tmp_path, caplog):
    path = tmp_path / "f.db"
    store = FeedbackStore.sqlite(path, key=KEY, busy_timeout_ms=300, retry_seconds=60)
    answer_id = store.record_answer("q", Outcome.ANSWERED)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    caplog.set_level(logging.WARNING, LOGGER)
    assert store.record_answer("waits for the lock once", Outcome.ANSWERED) is None
    other.execute("COMMIT")
    other.close()
    # The lock is gone, but the store does not try again until retry_seconds have passed.
    assert store.record_answer("not tried", Outcome.ANSWERED) is None
    assert store.vote(answer_id, 1, helpful=True).outcome is VoteOutcome.NOT_RECORDED
    assert len(warnings(caplog)) == 1
    store.close()


def test_later_warnings_count_what_was_not_recorded_in_between(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    store = FeedbackStore.sqlite(blocker / "f.db", key=KEY, retry_seconds=0, log_interval=0.2)
    caplog.set_level(logging.WARNING, LOGGER)
    for _ in range(3):
        assert store.record_answer("q", Outcome.DECLINED) is None
    time.sleep(0.25)
    assert store.record_answer("q", Outcome.DECLINED) is None
    lines = warnings(caplog)
    assert len(lines) == 2, lines
    assert "(2 more not recorded since the last warning)" in lines[1]


@pytest.mark.parametrize("shape", ["parent is a file", "path is a folder", "no key can be made"])
def test_a_missing_or_unwritable_path_is_not_recorded_with_one_line(tmp_path, caplog, shape):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    if shape == "parent is a file":
        store = FeedbackStore.sqlite(blocker / "f.db", key=KEY, retry_seconds=0)
    elif shape == "path is a folder":
        (tmp_path / "folder.db").mkdir()
        store = FeedbackStore.sqlite(tmp_path / "folder.db", key=KEY, retry_seconds=0)
    else:
        store = FeedbackStore.sqlite(blocker / "f.db", retry_seconds=0)  # the key file cannot be created
    caplog.set_level(logging.WARNING, LOGGER)
    answering_path_calls(store, "someanswerid0000")
    lines = warnings(caplog)
    assert len(lines) == 1, lines
    assert lines[0].startswith("feedback not recorded: ")
    store.close()


def test_a_full_database_keeps_what_it_had_and_records_nothing_more(tmp_path, caplog):
    store = FeedbackStore.sqlite(tmp_path / "f.db", key=KEY, max_bytes=96 * 1024, retry_seconds=0)
    caplog.set_level(logging.WARNING, LOGGER)
    recorded = []
    for i in range(200):
        answer_id = store.record_answer(f"{i} " + "x" * 3000, Outcome.ANSWERED, cited=[("d", i)], user_id=i)
        if answer_id is None:
            break
        recorded.append(answer_id)
    else:
        pytest.fail("a 96 KiB cap never filled up")
    assert 3 < len(recorded) < 200
    lines = warnings(caplog)
    assert len(lines) == 1 and "full" in lines[0], lines
    assert store.vote(recorded[0], 1, helpful=True).outcome in {VoteOutcome.RECORDED, VoteOutcome.NOT_RECORDED}
    assert all(store.answer(a) is not None for a in recorded)
    store.close()


def test_a_schema_newer_than_the_bot_is_left_alone(tmp_path, caplog):
    path = tmp_path / "f.db"
    FeedbackStore.sqlite(path, key=KEY).record_answer("q", Outcome.ANSWERED)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 5,))
    store = FeedbackStore.sqlite(path, key=KEY, retry_seconds=0)
    caplog.set_level(logging.WARNING, LOGGER)
    assert store.record_answer("q2", Outcome.ANSWERED) is None
    assert store.record_answer("q3", Outcome.ANSWERED) is None
    lines = warnings(caplog)
    assert len(lines) == 1 and f"schema version {SCHEMA_VERSION + 5}" in lines[0]
    with pytest.raises(FeedbackError, match="schema version"):
        store.gaps()
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 1


def test_a_programming_error_on_the_answering_path_is_logged_not_raised(tmp_path, caplog):
    store = FeedbackStore.sqlite(tmp_path / "f.db", key=KEY, retry_seconds=0)
    caplog.set_level(logging.WARNING, LOGGER)
    assert store.record_answer("q", "no such status") is None
    lines = warnings(caplog)
    assert len(lines) == 1 and "unknown answer status" in lines[0]
    assert store.record_answer("q", Outcome.ANSWERED) is not None


def test_an_unreachable_postgres_server_is_not_recorded_with_one_line(tmp_path, caplog):
    pytest.importorskip("psycopg")
    store = FeedbackStore.postgres(f"postgresql://nobody@/none?host={tmp_path}", key=KEY, retry_seconds=0)
    caplog.set_level(logging.WARNING, LOGGER)
    answering_path_calls(store, "someanswerid0000", times=2)
    lines = warnings(caplog)
    assert len(lines) == 1 and "OperationalError" in lines[0], lines
    with pytest.raises(FeedbackError):
        store.totals()
