"""Quality floors on the question sets, measured as bench/eval_quality.py measures them.

These are regression guards for the figures in docs/benchmarks.md, not timing tests: a
change that loses quality fails here.
"""

import sys

from tests.conftest import ROOT, load_questions

sys.path.insert(0, str(ROOT / "bench"))

from eval_quality import evaluate, ours


def test_dev_questions_meet_the_targets(shipped):
    scores = evaluate(ours(shipped), load_questions("dev.jsonl"))
    assert scores.hit1 >= 0.75
    assert scores.hit3 >= 0.88
    assert scores.declined_off_topic == 1.0
    assert scores.wrongly_declined <= 0.05


def test_our_own_questions_stay_good(shipped):
    scores = evaluate(ours(shipped), load_questions("extra.jsonl"))
    assert scores.hit1 >= 0.9
    assert scores.declined_off_topic == 1.0
    assert scores.wrongly_declined <= 0.05


def test_most_off_topic_questions_are_declined(shipped):
    scores = evaluate(ours(shipped), load_questions("offtopic.jsonl"))
    assert scores.declined_off_topic >= 0.85
