"""The verbatim promise, the decline rule and dirty input, on the shipped article."""

import random

import pytest

from bot.knowledge.passages import about_fields
from bot.search.answer import MAX_QUESTION_CHARS, MAX_RESULTS, Status
from tests.conftest import load_questions

ALL_QUESTIONS = [q["question"] for name in ("dev.jsonl", "extra.jsonl", "offtopic.jsonl") for q in load_questions(name)]


def assert_verbatim(result):
    """A quote is an exact slice of its passage's source, which is the body or a front-matter value."""
    quote = result.quote
    assert quote.text == result.passage.source[quote.start : quote.end]
    assert result.passage.start <= quote.start < quote.end <= result.passage.end
    if result.passage.is_about:
        assert any(quote.text in value for _, value in about_fields(result.document.meta))
    else:
        assert result.passage.source is result.document.body
        assert quote.text in result.document.body
    for span in quote.highlights:
        assert 0 <= span.start < span.end <= len(quote.text)


@pytest.mark.parametrize("question", ALL_QUESTIONS)
def test_every_quote_is_an_exact_substring_of_its_document(shipped, question):
    answer = shipped.ask(question, top=MAX_RESULTS)
    for result in answer.results:
        assert_verbatim(result)


def test_quotes_are_one_or_two_whole_sentences(shipped):
    for question in ALL_QUESTIONS:
        for result in shipped.ask(question, top=5).results:
            spans = result.passage.sentences
            starts = [s.start for s in spans]
            ends = [s.end for s in spans]
            assert result.quote.start in starts and result.quote.end in ends
            assert ends.index(result.quote.end) - starts.index(result.quote.start) in (0, 1)


def test_matched_words_are_highlighted(shipped):
    (result, *_) = shipped.ask("Who is Kishida's Indian counterpart?").results
    bold = {result.quote.text[s.start : s.end] for s in result.quote.highlights}
    assert {"Kishida", "Indian", "counterpart"} <= bold


def test_author_questions_use_the_front_matter(shipped):
    for question in ("Who wrote this article?", "who is the autor of this peice", "where does the author work?"):
        top = shipped.ask(question).results[0]
        assert top.passage.is_about
        assert "Hugo Blewett-Mundy" in top.quote.text


def test_mentioning_the_author_does_not_hijack_a_content_question(shipped):
    top = shipped.ask("what does the author say about China?").results[0]
    assert not top.passage.is_about
    assert "China" in top.quote.text


def test_typos_and_spelling_variants_find_the_passage(shipped):
    results = shipped.ask("who's the indain pm kishida met with?", top=3).results
    assert any("Narendra Modi" in r.quote.text for r in results)
    assert "defence partnership" in shipped.ask("first defense pact in the indo-pacific?").results[0].quote.text


@pytest.mark.parametrize(
    "question",
    ["Who won the 2022 FIFA World Cup?", "give me a good ramen recipe pls", "how do i install python on windows"],
)
def test_off_topic_questions_are_declined(shipped, question):
    answer = shipped.ask(question)
    assert answer.status is Status.NOT_FOUND
    assert answer.results == ()


def test_results_are_capped_and_ordered(shipped):
    answer = shipped.ask("Japan", top=50)
    assert len(answer.results) == MAX_RESULTS
    assert shipped.ask("Japan", top=0).results[:1] == answer.results[:1]


def test_document_filter(shipped):
    assert shipped.ask("Japan", doc_id="eu-japan-defence-partnership").answered
    assert shipped.ask("Japan", doc_id="nope").status is Status.UNKNOWN_DOCUMENT


@pytest.mark.parametrize(
    ("question", "status"),
    [
        ("", Status.EMPTY),
        ("   \n\t ", Status.EMPTY),
        ("?!?! ***", Status.EMPTY),
        ("<@1234> <@&99> @everyone", Status.EMPTY),
        ("what is this?", Status.EMPTY),
        ("x" * (MAX_QUESTION_CHARS + 1), Status.TOO_LONG),
        ("Japan " * 10_000, Status.TOO_LONG),
    ],
)
def test_empty_and_huge_questions_get_a_status_not_an_error(shipped, question, status):
    assert shipped.ask(question).status is status


def test_markdown_mentions_and_links_are_ignored(shipped):
    plain = shipped.ask("Who is Kishida's Indian counterpart?")
    dirty = shipped.ask("<@123> **Who** is ~~Kishida's~~ `Indian` counterpart? https://evil.example/@everyone ||pls||")
    assert [r.quote.text for r in dirty.results] == [r.quote.text for r in plain.results]


def test_random_junk_never_raises(shipped):
    rng = random.Random(1234)
    alphabet = "abcdefghij  ????!!**__~~||`>#@<>:&/\\\n\t\u200b\u202e\u0000éß日本語🙂-’'\"0123456789"
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))
        answer = shipped.ask(text)
        assert answer.status in set(Status)
        for result in answer.results:
            assert_verbatim(result)
