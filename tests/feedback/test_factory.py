"""``open_feedback_store``: the settings decide between PostgreSQL (DATABASE_URL) and SQLite (DATABASE_PATH)."""

from __future__ import annotations

from pathlib import Path

from bot.config import load_settings
from bot.feedback import FeedbackStore, Outcome, VoteOutcome, open_feedback_store
from tests.conftest import ROOT
from tests.feedback.conftest import PostgresServer

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GfakeX.very-secret-token-value_0123456789"
KEY = "a-key-every-host-shares"


def settings_for(**env: str):
    return load_settings({"DISCORD_TOKEN": TOKEN, "KNOWLEDGE_DIR": str(ROOT / "knowledge"), **env})


def test_a_database_url_opens_postgresql_shared_by_every_host(postgres_server: PostgresServer, tmp_path: Path):
    url = postgres_server.new_database()
    settings = settings_for(DATABASE_URL=url, FEEDBACK_KEY=KEY, DATABASE_PATH=str(tmp_path / "unused.db"))
    with open_feedback_store(settings) as store:
        assert store.backend.name == "postgresql"
        answer = store.record_answer("who wrote it?", Outcome.ANSWERED, cited=[("eu-japan", 1)])
        assert store.vote(answer, 5, helpful=True).recorded
    # Another host: the same database and key see the answer and recognise the same voter.
    with FeedbackStore.postgres(url, KEY) as other:
        assert other.totals().per_document[0].helpful == 1
        assert other.vote(answer, 5, helpful=False).outcome is VoteOutcome.CHANGED
    assert not (tmp_path / "unused.db").exists()


def test_without_a_url_the_store_is_the_sqlite_file_at_database_path(tmp_path: Path):
    path = tmp_path / "data" / "feedback.sqlite3"
    with open_feedback_store(settings_for(DATABASE_PATH=str(path), FEEDBACK_RETENTION_DAYS="7")) as store:
        assert store.backend.name == "sqlite"
        store.record_answer("a question", Outcome.DECLINED)
    assert path.is_file()
    with FeedbackStore.sqlite(path) as again:  # the key made on first use is found again
        assert again.totals().per_day[0].declined == 1
