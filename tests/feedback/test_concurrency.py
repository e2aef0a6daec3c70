"""Two bot processes writing to one database at once lose nothing (WAL + transactions)."""

from __future__ import annotations

import multiprocessing

from bot.feedback import FeedbackStore, Outcome, VoteOutcome
from tests.feedback.conftest import KEY

PER_PROCESS = 150


def write_many(kind: str, location: str, worker: int, start) -> list[str | None]:
    """One process's share: questions with citations, each voted on by two people."""
    if kind == "sqlite":
        store = FeedbackStore.sqlite(location, key=KEY, busy_timeout_ms=20_000)
    else:
        store = FeedbackStore.postgres(location, key=KEY)
    start.wait(30)
    ids: list[str | None] = []
    for i in range(PER_PROCESS):
        answer_id = store.record_answer(
            f"worker {worker} question {i}", Outcome.ANSWERED, cited=[("doc", i)], user_id=worker * 10_000 + i
        )
        ids.append(answer_id)
        if answer_id is not None:
            for voter in (1, 2):
                if store.vote(answer_id, voter, helpful=voter == 1).outcome is not VoteOutcome.RECORDED:
                    ids.append(None)
    store.close()
    return ids


def test_two_processes_writing_at_once_lose_nothing(make_store, kind):
    location = str(make_store.location)
    make_store().totals()  # create the schema first, as the first bot process would
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Event()
        with context.Pool(2) as pool:
            pending = [pool.apply_async(write_many, (kind, location, w, start)) for w in (1, 2)]
            start.set()
            results = [p.get(timeout=300) for p in pending]
    ids = [i for result in results for i in result]
    assert None not in ids, "a write was refused under contention"
    assert len(set(ids)) == 2 * PER_PROCESS
    store = make_store()
    for worker, result in zip((1, 2), results, strict=True):
        for i, answer_id in enumerate(result):
            record = store.answer(answer_id)
            assert record.question == f"worker {worker} question {i}"
            assert record.cited == (("doc", i),)
            assert (record.helpful, record.not_helpful) == (1, 1)
    days = store.totals().per_day  # the workers stamp real time: one day, two across midnight
    assert sum(d.asked for d in days) == 2 * PER_PROCESS
    assert sum(d.helpful for d in days) == sum(d.not_helpful for d in days) == 2 * PER_PROCESS
