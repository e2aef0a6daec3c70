"""Answering by meaning: paraphrases found, quotes verbatim, off-topic still declined, no padding."""

from dataclasses import replace

from bot.knowledge.text import clean_question
from bot.search.answer import Status
from bot.search.intent import asks_for_summary
from tests.conftest import load_questions
from tests.search.test_answer import assert_verbatim


def first_quote(snapshot, question: str) -> str:
    answer = snapshot.ask(question)
    assert answer.answered, question
    return answer.results[0].quote.text


def test_a_paraphrase_that_shares_no_key_word_finds_its_answer(shipped_semantic, shipped):
    # The article says Borrell "concluded ... agreement"; the question says "signed the security deal".
    question = "Who signed the security deal on the EU side?"
    assert "Borrell" in first_quote(shipped_semantic, question)
    assert not shipped.ask(question).answered or "Borrell" not in shipped.ask(question).results[0].quote.text


def test_the_quote_is_the_sentence_that_answers_not_its_neighbour(shipped_semantic):
    quote = first_quote(shipped_semantic, "How did Japan fix its relationship with South Korea?")
    assert "historic rapprochement" in quote


def test_no_padding_when_one_passage_answers(shipped_semantic):
    answer = shipped_semantic.ask("Who is Kishida's Indian counterpart?", top=3)
    assert [r.passage.paragraph for r in answer.results] == [18]


def test_the_front_matter_may_lead_but_never_pads(shipped_semantic):
    # The title is near every question on the article's topic: it came second to Borrell here.
    answer = shipped_semantic.ask("Who signed the security deal on the EU side?", top=3)
    assert answer.answered and all(not r.passage.is_about for r in answer.results)
    for q in load_questions("dev.jsonl") + load_questions("extra.jsonl"):
        answer = shipped_semantic.ask(q["question"], top=5)
        if not answer.summary:
            assert not any(r.passage.is_about for r in answer.results[1:]), q["question"]
    assert shipped_semantic.ask("who wrote this article?").results[0].passage.is_about


def test_every_quote_is_an_exact_slice_of_its_document(shipped_semantic):
    for q in load_questions("dev.jsonl") + load_questions("extra.jsonl"):
        answer = shipped_semantic.ask(q["question"], top=5)
        for result in answer.results:
            assert_verbatim(result)


def test_off_topic_questions_stay_declined(shipped_semantic):
    for q in load_questions("offtopic.jsonl"):
        assert shipped_semantic.ask(q["question"]).status is Status.NOT_FOUND, q["question"]


def test_questions_about_the_whole_document_get_its_summary(shipped_semantic, shipped):
    for snapshot in (shipped_semantic, shipped):
        answer = snapshot.ask("What is this article about?")
        assert answer.summary and answer.answered
        paragraphs = [r.passage.paragraph for r in answer.results]
        assert len(paragraphs) >= 3 and paragraphs == sorted(paragraphs)
        for result in answer.results:
            assert_verbatim(result)


def test_summary_requests_are_told_from_questions_with_a_topic_of_their_own():
    summary_requests = [
        "What is this article about?",
        "whats this about",
        "can you summarise the article",
        "tldr pls",
        "main takeaway?",
        "what are the main points of this article",
        "sum it up for me",
    ]
    questions = [
        "what is article 9 about?",
        "what is the partnership about?",
        "what did the author say about china?",
        "who wrote this article?",
        "summary of japan's spending plans",
        "what is the gist of article 9?",
        "what about india?",
        "the article",
    ]
    assert [q for q in summary_requests if not asks_for_summary(clean_question(q))] == []
    assert [q for q in questions if asks_for_summary(clean_question(q))] == []


def test_a_summary_request_in_words_no_list_holds_gets_the_summary_by_meaning(shipped_semantic, shipped):
    # None of these words is a summary word, so only the meaning can tell.
    question = "what's the overall point the writer is making here"
    assert not asks_for_summary(clean_question(question))
    answer = shipped_semantic.ask(question)
    assert answer.summary and answer.answered
    assert not shipped.ask(question).summary  # by words alone it is an ordinary question


def test_questions_the_documents_answer_are_never_diverted_to_the_summary(shipped_semantic):
    # Close in meaning to "what is this article about?", but answered by the article itself.
    answer = shipped_semantic.ask("Who wrote this article?")
    assert answer.answered and not answer.summary
    assert "Blewett-Mundy" in answer.results[0].quote.text


def test_windows_scored_at_once_equal_the_sentence_by_sentence_definition(shipped_semantic):
    """The array scoring must give each passage the window the plain definition gives it."""
    import numpy as np

    from bot.search.answer import Blend, _score_windows
    from bot.search.query import read_question

    snapshot, blend = shipped_semantic, Blend()
    index, vectors = snapshot.index, snapshot.vectors
    for text in ["How did Japan fix its relationship with South Korea?", "what did borrell sign", "kishida ukraine"]:
        query = read_question(clean_question(text), index, snapshot.analyzer, snapshot.speller)
        question = snapshot.encode([text])[0]
        candidates = list(range(index.size))
        windows = _score_windows(index, query, vectors, candidates, question, blend)
        for k, ordinal in enumerate(candidates):
            passage, rows, units = index.passages[ordinal], vectors.sentences(ordinal), index.unit_terms(ordinal)
            singles = [
                (
                    blend.similarity * float(rows[i] @ question) + blend.coverage * query.coverage(u),
                    passage.sentences[i],
                )
                for i, u in enumerate(units)
            ]
            pairs = []
            if not passage.is_about:
                for i in range(len(units) - 1):
                    pair = rows[i] + rows[i + 1]
                    cosine = float(pair @ question) / float(np.linalg.norm(pair))
                    score = blend.similarity * cosine + blend.coverage * query.coverage(units[i] | units[i + 1])
                    span = type(passage.sentences[i])(passage.sentences[i].start, passage.sentences[i + 1].end)
                    pairs.append((score, span))
            best_single = max(s for s, _ in singles)
            best_pair = max((s for s, _ in pairs), default=-np.inf)
            assert abs(windows.evidence[k] - max(best_single, best_pair)) < 1e-4
            # Only windows without a question in them are quoted and ranked (the headline asks one).
            asks = [passage.source[span.start : span.end].endswith("?") for span in passage.sentences]
            singles = [window for window, a in zip(singles, asks, strict=True) if not a]
            pairs = [window for i, window in enumerate(pairs) if not (asks[i] or asks[i + 1])]
            best_single = max(s for s, _ in singles)
            best_pair = max((s for s, _ in pairs), default=-np.inf)
            assert abs(windows.told[k] - max(best_single, best_pair)) < 1e-4
            # A pair that scores more than the best sentence is quoted; otherwise a pair holding
            # that sentence is, when it comes within pair_bonus of it.
            best = next(span for s, span in singles if abs(s - best_single) < 1e-4)
            near = [(s, span) for s, span in pairs if span.start <= best.start and best.end <= span.end]
            if best_pair > best_single + 1e-4:
                chosen = pairs
            elif near and max(s for s, _ in near) + blend.pair_bonus > best_single + 1e-4:
                chosen = near
            else:
                chosen = singles
            top = max(s for s, _ in chosen)
            assert windows.spans[k] in [span for s, span in chosen if abs(s - top) < 1e-4]


def test_meaning_is_read_without_the_framing_words(shipped_semantic):
    encoded: list[str] = []

    def recording(texts: list[str]):
        encoded.extend(texts)
        return shipped_semantic.encode(texts)

    question = "According to the article, who is Kishida's Indian counterpart?"
    for unframe in (True, False):
        encoded.clear()
        snapshot = replace(shipped_semantic, encode=recording, blend=replace(shipped_semantic.blend, unframe=unframe))
        answer = snapshot.ask(question)
        assert answer.answered and "Modi" in " ".join(r.quote.text for r in answer.results)
        assert len(encoded) == 1, encoded  # one encoding per question, framed or not
        compared = encoded[0]  # the text whose meaning the sentences are compared with
        assert ("article" in compared.lower()) is not unframe, compared
        assert "Indian counterpart" in compared
