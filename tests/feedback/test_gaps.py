"""The gap report: what was declined or voted unhelpful, one line per question, and the rates."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from bot.feedback import Outcome


def declined(store, question, **kw):
    return store.record_answer(question, Outcome.DECLINED, **kw)


def answered(store, question, doc="eu-japan", quote="a quote", **kw):
    return store.record_answer(question, Outcome.ANSWERED, cited=[(doc, 3), (doc, 7)], quote=quote, **kw)


def test_a_question_asked_several_ways_is_one_line(store, clock):
    declined(store, "What about whales?")
    clock.advance(seconds=60)
    declined(store, "what about WHALES??")
    clock.advance(seconds=60)
    declined(store, "what about whales?")
    clock.advance(seconds=60)
    declined(store, "<@123> **what** about whales")
    clock.advance(seconds=60)
    declined(store, "How do trams work?")
    report = store.gaps(7)
    assert report.grouping == "words"
    whales, trams = report.groups
    assert (whales.count, whales.declined, whales.unhelpful) == (4, 4, 0)
    assert whales.question == "what about whales?"  # the wording asked most (case-folded), latest copy
    assert whales.last_seen.timestamp() == clock.now - 60
    assert whales.quote is None and whales.documents == ()
    assert whales.wordings[0] == "what about whales?" and len(whales.wordings) == 3
    assert (trams.question, trams.count) == ("How do trams work?", 1)


def test_answers_voted_unhelpful_are_gaps_with_the_quote_shown(store, clock):
    bad = answered(store, "who is kishida's indian counterpart", quote="Narendra Modi")
    store.vote(bad, 1, helpful=False)
    tie = answered(store, "when did japan join the un", quote="in 1956")
    store.vote(tie, 1, helpful=False)
    store.vote(tie, 2, helpful=True)
    good = answered(store, "who wrote this article")
    store.vote(good, 1, helpful=True)
    store.vote(good, 2, helpful=False)
    store.vote(good, 3, helpful=True)
    answered(store, "no votes at all")
    lines = {g.question: g for g in store.gaps(7).groups}
    assert set(lines) == {"who is kishida's indian counterpart", "when did japan join the un"}
    line = lines["who is kishida's indian counterpart"]
    assert (line.quote, line.documents, line.unhelpful, line.declined) == ("Narendra Modi", ("eu-japan",), 1, 0)
    store.vote(bad, 1, helpful=True)  # a second click takes it out of the report
    assert {g.question for g in store.gaps(7).groups} == {"when did japan join the un"}


def test_the_totals_count_every_question_in_the_window(store, clock):
    old = answered(store, "too old to count")
    store.vote(old, 9, helpful=False)
    clock.advance(days=10)
    for i in range(3):
        answer_id = answered(store, f"answered {i}")
        store.vote(answer_id, 1, helpful=i > 0)
    declined(store, "declined")
    store.record_answer("", Outcome.REFUSED)
    report = store.gaps(7)
    assert (report.asked, report.answered, report.votes, report.helpful_votes) == (5, 3, 3, 2)
    assert report.answered_share == pytest.approx(0.6)
    assert report.helpful_share == pytest.approx(2 / 3)
    assert {g.question for g in report.groups} == {"declined", "answered 0"}
    assert store.gaps(30).asked == 6
    assert report.to_json()["answered_share"] == pytest.approx(0.6)


def test_an_empty_window_has_no_rates(store):
    report = store.gaps(7)
    assert (report.groups, report.asked, report.answered_share, report.helpful_share) == ((), 0, None, None)


def test_a_document_filter_keeps_questions_limited_to_it_or_answered_from_it(store):
    declined(store, "what does the article say about whales", document="eu-japan")
    declined(store, "trams timetable", document="trams")
    declined(store, "anything about bitcoin")  # not limited to a document
    from_it = answered(store, "who is the author", doc="eu-japan")
    store.vote(from_it, 1, helpful=False)
    elsewhere = answered(store, "tram fares", doc="trams")
    store.vote(elsewhere, 1, helpful=False)
    report = store.gaps(7, document="eu-japan")
    assert {g.question for g in report.groups} == {"what does the article say about whales", "who is the author"}
    assert (report.asked, report.answered, report.votes) == (2, 1, 1)
    assert store.gaps(7).asked == 5


def test_grouping_by_meaning_uses_the_callers_encoder(store):
    for question in ["whale song", "humpback vocalisations", "tram fares", "price of a tram ticket"]:
        declined(store, question)
    topics = {"whale song": 0, "humpback vocalisations": 0, "tram fares": 1, "price of a tram ticket": 1}

    def embed(texts):
        rows = np.zeros((len(texts), 2))
        for i, text in enumerate(texts):
            rows[i, topics[text]] = 1.0
        return rows

    by_words = store.gaps(7)
    assert by_words.grouping == "words" and len(by_words.groups) >= 3
    by_meaning = store.gaps(7, embed=embed)
    assert by_meaning.grouping == "meaning"
    assert sorted(g.count for g in by_meaning.groups) == [2, 2]


def test_a_failing_encoder_falls_back_to_words_with_one_line(store, caplog):
    declined(store, "whale song")

    def broken(texts):
        raise RuntimeError("model file missing")

    caplog.set_level(logging.WARNING, "bot.feedback.store")
    report = store.gaps(7, embed=broken)
    assert report.grouping == "words" and report.groups[0].question == "whale song"
    assert [r.getMessage() for r in caplog.records] == [
        "gap report: grouping by meaning failed (RuntimeError: model file missing); grouped by words"
    ]


def test_only_the_most_recent_gaps_are_grouped_past_the_limit(store, clock):
    topics = ["whales", "trams", "bitcoin", "sushi", "football"]
    for topic in topics:
        declined(store, topic)
        clock.advance(seconds=1)
    report = store.gaps(7, limit=3)
    assert report.truncated and report.asked == 5
    assert {g.question for g in report.groups} == set(topics[2:])
    assert not store.gaps(7, limit=5).truncated


def test_totals_per_document_and_per_day(store, clock):
    first = answered(store, "a", doc="eu-japan")
    store.vote(first, 1, helpful=True)
    store.vote(first, 2, helpful=False)
    declined(store, "b", document="eu-japan")
    clock.advance(days=1, seconds=1)
    second = answered(store, "c", doc="trams")
    store.vote(second, 1, helpful=True)
    store.record_answer("", Outcome.REFUSED)
    totals = store.totals()
    assert [(d.doc_id, d.answers, d.declined, d.helpful, d.not_helpful) for d in totals.per_document] == [
        ("eu-japan", 1, 1, 1, 1),
        ("trams", 1, 0, 1, 0),
    ]
    assert [(d.day.isoformat(), d.asked, d.answered, d.declined, d.helpful, d.not_helpful) for d in totals.per_day] == [
        ("2025-06-15", 2, 1, 1, 1, 1),
        ("2025-06-16", 2, 1, 0, 1, 0),
    ]
    assert [d["day"] for d in totals.to_json()["days"]] == ["2025-06-15", "2025-06-16"]
    recent = store.totals(days=1)
    assert [d.doc_id for d in recent.per_document] == ["trams"]
