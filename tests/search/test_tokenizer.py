from bot.search.tokenizer import Analyzer
from tests.conftest import ROOT

A = Analyzer()


def test_possessives_are_dropped():
    assert A.terms("Japan’s") == A.terms("Japan's") == A.terms("Japan") == ["japan"]


def test_hyphenated_words_are_searchable_whole_and_by_parts():
    assert A.terms("EU-Japan") == ["eu-japan", "eu", "japan"]
    assert A.terms("post-1945") == ["post-1945", "post", "1945"]
    assert A.terms("U-turn") == ["u-turn", "u", "turn"]


def test_stop_word_parts_of_compounds_are_dropped_but_the_compound_stays():
    assert A.terms("all-out") == ["all-out"]


def test_numbers_are_kept_whole():
    assert A.terms("1 January 2025, 3.5 bn, 1,000") == ["1", "januari", "2025", "3.5", "bn", "1,000"]


def test_acronyms_survive_stop_words():
    assert A.terms("the US and us") == ["us"]
    assert A.terms("IT and it") == ["it"]
    assert A.terms("ask the us about it") == ["ask", "us"]


def test_negated_auxiliaries_are_dropped():
    assert A.terms("don't won't can't") == []


def test_stemming_joins_inflections():
    assert A.terms("weapons") == A.terms("weapon")
    assert A.terms("recognised") == A.terms("recognise")


def test_words_carry_offsets_and_base_forms():
    words = list(A.words("Kishida’s plan"))
    assert [(w.start, w.end, w.base) for w in words] == [(0, 9, "kishida"), (10, 14, "plan")]
    assert words[0].terms == ("kishida",)


def test_options_change_the_output():
    plain = Analyzer(stem=False, stop_words=False, split_hyphens=False)
    assert plain.terms("The EU-Japan weapons") == ["the", "eu-japan", "weapons"]


def test_fast_path_gives_the_same_terms_as_the_word_regex():
    import random

    from bot.search.tokenizer import _WORD

    def slow(text: str) -> list[str]:
        pieces, previous = [], ""
        for raw in _WORD.findall(text):
            pieces.extend(A._pieces(raw, previous))
            previous = raw.lower()
        return A._stem_all(pieces)

    rng = random.Random(5)
    alphabet = "ab1Z_-'’‑.,:;!?\" ()\n\té日US the us IT"
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        assert A.terms(text) == slow(text), text
    article = (ROOT / "knowledge" / "eu-japan-defence-partnership.md").read_text("utf-8")
    assert A.terms(article) == slow(article)


def test_matching_spans_agree_with_words():
    import random

    rng = random.Random(9)
    vocabulary = ["Japan’s", "EU-Japan", "US", "us", "the", "weapons", "post-1945", "don't", "Kishida", "3.5", "U-turn"]
    for _ in range(2_000):
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 12)))
        wanted = {t for w in rng.sample(vocabulary, 3) for t in A.terms(w)}
        expected = [(w.start, w.end) for w in A.words(text) if any(t in wanted for t in w.terms)]
        assert A.matching_spans(text, wanted) == expected, text


def test_terms_many_equals_terms_per_text():
    import random

    rng = random.Random(11)
    alphabet = "ab1Z_-'’‑.,:;!?\" ()\n\téİ日US the us IT ﬁ"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(3000)]
    flat, lengths = A.terms_many(texts)
    expected = [A.terms(t) for t in texts]
    assert lengths == [len(e) for e in expected]
    assert flat == [t for e in expected for t in e]
