from bot.tokenizer import Analyzer

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
