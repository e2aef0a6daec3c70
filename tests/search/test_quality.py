"""Quality floors on the question sets, measured as bench/eval_quality.py measures them.

These are regression guards for the figures in docs/benchmarks.md, not timing tests: a
change that loses quality fails here.
"""

import sys

from tests.conftest import ROOT, load_questions

sys.path.insert(0, str(ROOT / "bench"))

from eval_quality import evaluate, ours


def test_dev_questions_meet_the_targets(shipped):
    # Lexical only: the dev-fitted synonym list is retired (it measured no gain elsewhere).
    scores = evaluate(ours(shipped), load_questions("dev.jsonl"))
    assert scores.hit1 >= 0.68
    assert scores.hit3 >= 0.72
    assert scores.declined_off_topic == 1.0
    assert scores.wrongly_declined <= 0.15


def test_dev_questions_by_meaning(shipped_semantic):
    scores = evaluate(ours(shipped_semantic), load_questions("dev.jsonl"))
    assert scores.hit1 >= 0.68
    assert scores.hit3 >= 0.85
    assert scores.declined_off_topic == 1.0
    assert scores.wrongly_declined <= 0.05
    assert scores.mean_shown < 2.2  # no padding: later passages only when nearly as good


def test_off_topic_questions_are_all_declined_by_meaning(shipped_semantic):
    scores = evaluate(ours(shipped_semantic), load_questions("offtopic.jsonl"))
    assert scores.declined_off_topic == 1.0


def test_our_own_questions_stay_good(shipped):
    scores = evaluate(ours(shipped), load_questions("extra.jsonl"))
    assert scores.hit1 >= 0.9
    assert scores.declined_off_topic == 1.0
    assert scores.wrongly_declined <= 0.05


def test_most_off_topic_questions_are_declined(shipped):
    scores = evaluate(ours(shipped), load_questions("offtopic.jsonl"))
    assert scores.declined_off_topic >= 0.85
