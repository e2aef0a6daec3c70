"""``python -m bot gaps``: the gap report on the command line, read without changing anything."""

from __future__ import annotations

import io
import json

from bot.cli import main
from bot.feedback import FeedbackStore, Outcome


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def filled(path, now: float) -> None:
    with FeedbackStore.sqlite(path, key=b"k" * 16, clock=lambda: now) as store:
        for question in ("Who is the Pope?", "who is the pope", "WHO is the pope??"):
            store.record_answer(question, Outcome.DECLINED)
        store.record_answer("Lone \ud800 surrogate and ünïcode", Outcome.DECLINED, document="eu-japan")
        answered = store.record_answer("who wrote it?", Outcome.ANSWERED, cited=[("eu-japan", 1)], quote="By Hugo.")
        store.vote(answered, 7, helpful=False)


def test_gaps_json_groups_the_same_question_and_keeps_text_exactly(tmp_path):
    import time

    path = tmp_path / "f.db"
    filled(path, time.time())
    code, out, err = run("gaps", "--database", str(path), "--json", "--words")
    assert (code, err) == (0, "")
    out.encode("utf-8")  # printable as UTF-8 despite the lone surrogate
    report = json.loads(out)
    assert report["grouping"] == "words"
    assert (report["asked"], report["answered"], report["votes"], report["helpful_votes"]) == (5, 1, 1, 0)
    counts = sorted(g["count"] for g in report["groups"])
    assert counts == [1, 1, 3]
    assert any(g["question"] == "Lone \ud800 surrogate and ünïcode" for g in report["groups"])
    unhelpful = next(g for g in report["groups"] if g["unhelpful"])
    assert unhelpful["quote"] == "By Hugo." and unhelpful["documents"] == ["eu-japan"]

    code, out, _ = run("gaps", "--database", str(path), "--json", "--words", "--document", "eu-japan")
    scoped = json.loads(out)
    assert code == 0 and scoped["asked"] == 2 and len(scoped["groups"]) == 2


def test_gaps_text_lists_most_frequent_first_and_old_records_fall_outside_the_window(tmp_path):
    import time

    path = tmp_path / "f.db"
    filled(path, time.time() - 10 * 86_400)
    code, out, _ = run("gaps", "--database", str(path), "--words", "--days", "30")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].startswith("asked 5, answered 20%, voted helpful 0% of 1 vote(s)")
    assert lines[2].split()[0] == "3" and "pope" in lines[2].lower()
    assert "shown: By Hugo." in out
    code, out, _ = run("gaps", "--database", str(path), "--words", "--days", "7")
    assert code == 0 and "asked 0," in out


def test_gaps_usage_errors_are_one_line_and_create_nothing(tmp_path):
    code, out, err = run("gaps", "--database", str(tmp_path / "missing.db"))
    assert (code, out) == (2, "") and err.count("\n") == 1 and "no feedback database" in err
    path = tmp_path / "f.db"
    filled(path, 1_750_000_000.0)
    code, out, err = run("gaps", "--database", str(path), "--days", "0")
    assert (code, out) == (2, "") and "--days must be at least 1" in err
    assert not (tmp_path / "missing.db").exists()
