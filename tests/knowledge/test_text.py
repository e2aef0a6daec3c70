import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bot.knowledge.text import clean_question, has_words, split_sentences, strip_invisible, unwrap


def sentences(text: str) -> list[str]:
    return [span.of(text) for span in split_sentences(text)]


def test_empty_and_blank_text_have_no_sentences():
    assert sentences("") == []
    assert sentences("   \n  ") == []


def test_hyphens_and_numbers_never_end_a_sentence():
    text = "The EU-Japan deal took effect on 1 January 2025. It follows the post-1945 order. A U-turn came in 2022."
    assert sentences(text) == [
        "The EU-Japan deal took effect on 1 January 2025.",
        "It follows the post-1945 order.",
        "A U-turn came in 2022.",
    ]


def test_closing_quotes_stay_with_their_sentence():
    text = 'He called it a threat to "the very foundations of the order." Then he left. She said “yes.” Fine.'
    assert sentences(text) == [
        'He called it a threat to "the very foundations of the order."',
        "Then he left.",
        "She said “yes.”",
        "Fine.",
    ]


def test_dashes_do_not_split():
    text = "The late Shinzo Abe — the longest-serving prime minister — acted. Fumio Kishida - who served – reacted."
    assert sentences(text) == [
        "The late Shinzo Abe — the longest-serving prime minister — acted.",
        "Fumio Kishida - who served – reacted.",
    ]


def test_abbreviations_initials_and_decimals():
    assert sentences("Dr. Smith met Mr. Jones on Jan. 5. They talked.") == [
        "Dr. Smith met Mr. Jones on Jan. 5.",
        "They talked.",
    ]
    assert sentences("J. R. R. Tolkien wrote it. It cost 3.5 bn. Really?") == [
        "J. R. R. Tolkien wrote it.",
        "It cost 3.5 bn.",
        "Really?",
    ]
    assert sentences("In the U.S. Army it was. The U.S. The end.") == [
        "In the U.S. Army it was.",
        "The U.S.",
        "The end.",
    ]


def test_a_lone_letter_before_a_number_does_not_end_a_sentence():
    text = "This Source Code Form is subject to the Mozilla Public License, v. 2.0. See p. 12 and c. 1066. Done."
    assert sentences(text) == [
        "This Source Code Form is subject to the Mozilla Public License, v. 2.0.",
        "See p. 12 and c. 1066.",
        "Done.",
    ]
    assert sentences("It was 2.0. 3 more came.") == ["It was 2.0.", "3 more came."]


def test_question_mark_inside_a_sentence_followed_by_lower_case():
    assert sentences('He asked "why?" and left. Done.') == ['He asked "why?" and left.', "Done."]


def test_list_items_on_their_own_lines():
    assert sentences("Three points:\n- one\n- two") == ["Three points:", "- one", "- two"]


def test_spans_are_offsets_into_the_original_text():
    text = "  First one.   Second one!  "
    spans = split_sentences(text, 2, len(text))
    assert [text[s.start : s.end] for s in spans] == ["First one.", "Second one!"]


def test_clean_question_strips_discord_markup():
    raw = "<@123> <@!45> <@&6> <#7> @everyone @here hey **who** wrote _this_ [article](https://x.y/z)? https://t.co/x"
    assert clean_question(raw) == "hey who wrote this article ?"


def test_clean_question_removes_invisible_and_control_characters():
    assert clean_question("who\u200b wrote\u202e this\x00\x07?") == "who wrote this ?"


def test_clean_question_keeps_code_text_but_not_fences():
    assert clean_question("```python\nwhat is Article 9\n```") == "what is Article 9"
    assert clean_question("what is `Article 9`?") == "what is Article 9 ?"


def test_clean_question_normalises_full_width_letters():
    assert clean_question("ｊａｐａｎ") == "japan"


def test_has_words():
    assert has_words("japan?")
    assert has_words("2022")
    assert not has_words("?!… ***")
    assert not has_words("")


def test_unwrap_joins_the_lines_of_a_paragraph_and_keeps_list_items():
    assert unwrap("one\ntwo  \n  three\r\nfour") == "one two three four"
    assert unwrap("covers:\n- a\n  * b\n10. c\nd") == "covers:\n- a\n  * b\n10. c d"
    assert unwrap("a -\nb") == "a - b"  # a dash at the end of a line is not a list marker


@given(st.text(alphabet=st.sampled_from(list("ab -*1.)\n\r\t ")), max_size=60))
def test_unwrap_changes_only_white_space(text):
    shown = unwrap(text)
    assert shown.split() == text.split()
    assert "".join(shown.split()) == "".join(text.split())


@given(st.text())
def test_strip_invisible_replaces_exactly_the_control_format_and_unassigned_characters(text):
    expected = "".join(" " if unicodedata.category(c)[0] == "C" and c not in "\n\t" else c for c in text)
    assert strip_invisible(text) == expected
    assert strip_invisible("a\u200bb\x07c\u00a0d") == "a b c\u00a0d"  # the fast path must not skip these
