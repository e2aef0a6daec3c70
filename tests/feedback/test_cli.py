"""``python -m bot feedback``: the totals, read without creating or changing anything."""

from __future__ import annotations

import io
import json

from bot.cli import main
from bot.feedback import FeedbackStore, Outcome


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_feedback_json_has_per_document_and_per_day_totals(tmp_path):
    path = tmp_path / "f.db"
    with FeedbackStore.sqlite(path, key=b"k" * 16, clock=lambda: 1_750_000_000.0) as store:
        answer_id = store.record_answer("q", Outcome.ANSWERED, cited=[("eu-japan", 3)])
        store.vote(answer_id, 1, helpful=False)
        store.record_answer("not known", Outcome.DECLINED, document="eu-japan")
    code, out, err = run("feedback", "--database", str(path), "--json")
    assert (code, err) == (0, "")
    totals = json.loads(out)
    assert totals["documents"] == [{"doc_id": "eu-japan", "answers": 1, "declined": 1, "helpful": 0, "not_helpful": 1}]
    assert totals["days"] == [
        {"day": "2025-06-15", "asked": 2, "answered": 1, "declined": 1, "helpful": 0, "not_helpful": 1}
    ]
    code, out, _ = run("feedback", "--database", str(path))
    assert code == 0 and "eu-japan" in out and "2025-06-15" in out


def test_feedback_without_a_database_is_a_one_line_usage_error_and_creates_nothing(tmp_path):
    code, out, err = run("feedback", "--database", str(tmp_path / "missing.db"), "--json")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "no feedback database" in err
    assert list(tmp_path.iterdir()) == []


def test_feedback_on_a_file_that_is_not_a_database_exits_1_with_one_line(tmp_path):
    path = tmp_path / "f.db"
    path.write_bytes(b"this is not sqlite" * 100)
    code, out, err = run("feedback", "--database", str(path))
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and err.startswith("error: feedback database unavailable:")
