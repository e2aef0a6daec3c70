from bot.search.spelling import Speller, osa_distance, spelling_variants


def test_osa_distance_counts_a_swap_as_one_edit():
    assert osa_distance("peice", "piece", 2) == 1
    assert osa_distance("kitten", "sitting", 5) == 3
    assert osa_distance("abc", "abc", 1) == 0
    assert osa_distance("a", "abcd", 1) == 2  # capped at limit + 1


def test_british_and_american_variants():
    assert "defence" in set(spelling_variants("defense"))
    assert "recognise" in set(spelling_variants("recognize"))
    assert "neighbourhood" in set(spelling_variants("neighborhood"))
    assert "centre" in set(spelling_variants("center"))
    assert "programme" in set(spelling_variants("program"))


def test_candidates_are_all_equally_close_terms():
    speller = Speller(["author", "actor", "piec", "peac", "indian"], {"actor": 1, "author": 1})
    assert speller.candidates("autor") == ["actor", "author"]
    assert speller.candidates("indain") == ["indian"]
    assert speller.candidates("zzzz") == []


def test_short_and_non_alphabetic_words_are_never_corrected():
    speller = Speller(["cat", "2022"])
    assert speller.candidates("cta") == []
    assert speller.candidates("2021") == []


def test_long_words_allow_two_edits():
    speller = Speller(["partnership"])
    assert speller.candidates("partnreship") == ["partnership"]  # a swap
    assert speller.candidates("parrtnershipp") == ["partnership"]  # two extra letters
    assert speller.candidates("parnershipp") == ["partnership"]  # one missing, one extra


def test_relatives_share_a_whole_term_prefix():
    speller = Speller(["react", "reaction", "ukrain", "ukrainian", "state"])
    assert speller.relatives("react") == ["reaction"]
    assert speller.relatives("ukrainian") == ["ukrain"]
    assert speller.relatives("stat") == []


def test_pasted_giant_words_are_not_typo_corrected(monkeypatch):
    import bot.search.spelling as spelling

    speller = Speller(["japan", "japanes"])
    calls = []
    monkeypatch.setattr(spelling, "_deletes", lambda word: calls.append(word) or set())
    assert speller.candidates("japan" * 100) == []
    assert calls == []  # no deletion neighbourhood is even built for a 500-letter word
