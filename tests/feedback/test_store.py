"""The feedback store on both backends: what goes in comes out, one vote per person,
nothing identifies anyone, forget-me and retention delete what they promise.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.feedback import FeedbackError, FeedbackStore, Outcome, VoteOutcome
from bot.feedback.store import MAX_TEXT_CHARS
from bot.search.answer import Status
from tests.feedback.conftest import KEY
from tests.test_fuzz import HOSTILE

LONE_SURROGATES = ["\ud800", "\udfff", "a\udc80b", "\ud83d", "x\ud800\udc00y"]  # the last: a pair of loners
hostile_text = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=300),
    st.lists(st.sampled_from(HOSTILE + LONE_SURROGATES) | st.text(max_size=20), max_size=30).map(" ".join),
    st.builds(
        lambda part, times: (part * times)[:MAX_TEXT_CHARS],
        st.sampled_from(HOSTILE + LONE_SURROGATES),
        st.integers(1, 4000),
    ),
)
DB_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@DB_SETTINGS
@given(question=hostile_text, quote=hostile_text)
def test_any_text_round_trips_exactly(store, question, quote):
    answer_id = store.record_answer(question, Status.ANSWERED, cited=[("doc", 3)], quote=quote, user_id=1)
    assert answer_id is not None
    record = store.answer(answer_id)
    assert record.question == question
    assert record.quote == quote


def test_the_longest_discord_message_round_trips_and_longer_text_is_cut_there(store):
    exact = ("@everyone **bold** <@123> \x00\x07\u202e\ud800 " * 200)[:MAX_TEXT_CHARS]
    assert len(exact) == 4000
    assert store.answer(store.record_answer(exact, Outcome.DECLINED)).question == exact
    longer = exact + "tail that is not kept"
    assert store.answer(store.record_answer(longer, Outcome.DECLINED)).question == exact


def test_an_answer_id_fits_a_discord_custom_id(store):
    ids = {store.record_answer(f"question {i}", Outcome.ANSWERED) for i in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,40}", i) for i in ids)


def test_what_is_recorded_is_read_back(store, clock):
    answer_id = store.record_answer(
        "Who is Kishida's Indian counterpart?",
        Status.ANSWERED,
        cited=[("eu-japan", 20), ("eu-japan", None), ("other", 2)],
        quote="Narendra Modi",
        guild_id=2**62,
        channel_id=42,
        user_id=7,
        document="eu-japan",
    )
    record = store.answer(answer_id)
    assert record.outcome is Outcome.ANSWERED
    assert record.cited == (("eu-japan", 20), ("eu-japan", None), ("other", 2))
    assert (record.guild_id, record.channel_id, record.document) == (2**62, 42, "eu-japan")
    assert record.asked_at.timestamp() == clock.now
    assert record.asked_at.utcoffset().total_seconds() == 0


def test_the_answerers_statuses_map_to_outcomes(store):
    expected = {
        Status.ANSWERED: Outcome.ANSWERED,
        Status.NOT_FOUND: Outcome.DECLINED,
        Status.EMPTY: Outcome.REFUSED,
        Status.TOO_LONG: Outcome.REFUSED,
        Status.UNKNOWN_DOCUMENT: Outcome.REFUSED,
    }
    for status, outcome in expected.items():
        assert store.answer(store.record_answer("q", status)).outcome is outcome


def test_one_vote_per_person_and_a_second_click_changes_it(store):
    answer_id = store.record_answer("q", Outcome.ANSWERED, user_id=1)
    first = store.vote(answer_id, 100, helpful=True)
    assert (first.outcome, first.helpful, first.not_helpful) == (VoteOutcome.RECORDED, 1, 0)
    again = store.vote(answer_id, 100, helpful=True)
    assert (again.outcome, again.helpful, again.not_helpful) == (VoteOutcome.UNCHANGED, 1, 0)
    changed = store.vote(answer_id, 100, helpful=False)
    assert (changed.outcome, changed.helpful, changed.not_helpful) == (VoteOutcome.CHANGED, 0, 1)
    other = store.vote(answer_id, 101, helpful=False)
    assert (other.outcome, other.helpful, other.not_helpful) == (VoteOutcome.RECORDED, 0, 2)
    record = store.answer(answer_id)
    assert (record.helpful, record.not_helpful) == (0, 2)
    assert all(r.recorded for r in (first, again, changed, other))


def test_a_vote_on_an_unknown_or_malformed_answer_id_is_refused(store):
    store.record_answer("q", Outcome.ANSWERED)
    for bad in ["nosuchanswer0000", "", "x" * 41, "id with spaces", "\ud800", "'; DROP TABLE votes; --"]:
        result = store.vote(bad, 1, helpful=True)
        assert result.outcome is VoteOutcome.UNKNOWN_ANSWER
        assert not result.recorded
    assert store.answer("nosuchanswer0000") is None


def test_votes_are_keyed_by_the_configured_key(make_store):
    first = make_store()
    answer_id = first.record_answer("q", Outcome.ANSWERED)
    first.vote(answer_id, 100, helpful=True)
    rekeyed = make_store(key=b"another-key-0123456789")
    # Under another key the same person is a stranger: a new vote, and nothing to forget.
    assert rekeyed.vote(answer_id, 100, helpful=True).outcome is VoteOutcome.RECORDED
    assert rekeyed.answer(answer_id).helpful == 2
    assert make_store().forget_user(100) == 1
    assert make_store().answer(answer_id).helpful == 1


def test_a_short_key_is_refused(tmp_path):
    with pytest.raises(ValueError, match="at least 16 bytes"):
        FeedbackStore.sqlite(tmp_path / "f.db", key=b"short")


def test_forget_user_removes_their_votes_and_their_questions(store):
    alice, bob = 111_111_111_111_111_111, 222_222_222_222_222_222
    asked_by_alice = [
        store.record_answer(f"alice {i}", Outcome.ANSWERED, cited=[("d", 1)], user_id=alice) for i in range(2)
    ]
    asked_by_bob = store.record_answer("bob", Outcome.ANSWERED, cited=[("d", 1)], user_id=bob)
    store.vote(asked_by_bob, alice, helpful=False)
    store.vote(asked_by_bob, bob, helpful=True)
    store.vote(asked_by_alice[0], bob, helpful=True)
    assert store.forget_user(alice) == 3  # one vote, two questions
    assert all(store.answer(a) is None for a in asked_by_alice)
    kept = store.answer(asked_by_bob)
    assert (kept.helpful, kept.not_helpful) == (1, 0)
    assert store.totals().per_document[0].answers == 1  # alice's citations went with her questions
    assert store.totals().per_document[0].helpful == 1  # bob's vote on alice's question went too
    assert store.forget_user(alice) == 0


def test_purge_removes_answers_older_than_the_retention_with_their_votes(store, clock):
    old = store.record_answer("old", Outcome.DECLINED, user_id=1)
    store.vote(old, 5, helpful=False)
    clock.advance(days=50)
    recent = store.record_answer("recent", Outcome.ANSWERED, cited=[("d", 1)], user_id=1)
    store.vote(recent, 5, helpful=True)
    clock.advance(days=45)  # old is 95 days old, recent 45
    assert store.purge_older_than() == 1
    assert store.answer(old) is None
    assert store.answer(recent).helpful == 1
    assert store.purge_older_than(90) == 0
    clock.advance(days=1)
    assert store.purge_older_than(45) == 1
    assert store.totals().per_day == ()


def test_bad_arguments_on_the_moderator_path_say_what_is_wrong(store):
    for call in (lambda: store.gaps(0), lambda: store.purge_older_than(-1), lambda: store.totals(days=True)):
        with pytest.raises(ValueError, match="days must be a whole number"):
            call()


def test_the_keyed_hash_not_the_user_id_is_in_the_database_file(make_store, kind):
    if kind != "sqlite":
        pytest.skip("reads the SQLite file's bytes")
    user = 987_654_321_098_765_432
    store = make_store()
    answer_id = store.record_answer("q", Outcome.ANSWERED, user_id=user, guild_id=1, channel_id=2)
    store.vote(answer_id, user, helpful=True)
    path = make_store.location
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if not p.name.endswith(".key"))
    assert len(raw) > 1000  # the file and its WAL were read
    for encoding in (str(user).encode(), user.to_bytes(8, "big"), user.to_bytes(8, "little")):
        assert encoding not in raw
    store.close()


def test_without_a_configured_key_one_key_file_is_made_and_reused(tmp_path):
    path = tmp_path / "f.db"
    first = FeedbackStore.sqlite(path)
    answer_id = first.record_answer("q", Outcome.ANSWERED, user_id=5)
    first.vote(answer_id, 5, helpful=True)
    first.close()
    key_file = tmp_path / "f.db.key"
    assert len(key_file.read_bytes()) == 32
    assert key_file.stat().st_mode & 0o077 == 0
    second = FeedbackStore.sqlite(path)
    assert second.vote(answer_id, 5, helpful=True).outcome is VoteOutcome.UNCHANGED
    assert second.forget_user(5) == 2
    second.close()


def test_moderator_calls_on_a_broken_database_raise_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = FeedbackStore.sqlite(blocker / "f.db", key=KEY)
    for call in (store.gaps, store.totals, lambda: store.forget_user(1), store.purge_older_than):
        with pytest.raises(FeedbackError) as error:
            call()
        assert "\n" not in str(error.value)
        assert str(error.value).startswith("feedback database unavailable:")


def test_recording_an_answer_applies_the_retention_at_most_once_a_day(make_store, clock):
    store = make_store(retention_days=30)
    first = store.record_answer("first", Outcome.DECLINED)
    clock.advance(days=31)
    second = store.record_answer("second", Outcome.DECLINED)  # purges: "first" is 31 days old
    assert store.answer(first) is None
    clock.advance(days=29.5)
    store.record_answer("third", Outcome.DECLINED)  # purges, but "second" is only 29.5 days old
    assert store.answer(second) is not None
    clock.advance(days=0.75)
    store.record_answer("fourth", Outcome.DECLINED)  # "second" has expired, but the last purge was today
    assert store.answer(second) is not None
    clock.advance(days=0.25)
    store.record_answer("fifth", Outcome.DECLINED)  # a day since the last purge
    assert store.answer(second) is None


def test_without_retention_nothing_is_purged_on_the_way(make_store, clock):
    store = make_store(retention_days=None)
    first = store.record_answer("first", Outcome.DECLINED)
    clock.advance(days=400)
    store.record_answer("second", Outcome.DECLINED)
    assert store.answer(first) is not None


def test_a_postgres_store_needs_a_shared_key():
    with pytest.raises(ValueError, match="FEEDBACK_KEY"):
        FeedbackStore.postgres("postgresql://nowhere/db", key=None)
