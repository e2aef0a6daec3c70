from bot.knowledge.documents import parse_document
from bot.knowledge.passages import MAX_PASSAGE_SENTENCES, split_passages
from tests.conftest import front_matter


def document(body: str, **meta: str):
    result = parse_document("x.md", front_matter(**meta) + body, "digest", "x")
    assert result.document is not None, result.problems
    return result.document


def test_paragraphs_are_numbered_in_order_and_headings_are_not_counted():
    doc = document("\nFirst para.\n\n## A heading\n\nSecond para. Still second.\n\n# Another\nThird para.\n")
    body = [p for p in split_passages(doc) if not p.is_about]
    assert [(p.paragraph, p.text, p.heading) for p in body] == [
        (1, "First para.", None),
        (2, "Second para. Still second.", "A heading"),
        (3, "Third para.", "Another"),
    ]


def test_every_offset_points_into_the_body():
    doc = document("\n  Indented para. With two sentences.  \n\n---\n\n<!-- a comment -->\n\nLast one.\n")
    for passage in split_passages(doc):
        assert passage.text == passage.source[passage.start : passage.end]
        for sentence in passage.sentences:
            assert passage.start <= sentence.start < sentence.end <= passage.end
        if not passage.is_about:
            assert passage.source is doc.body
    assert [p.text for p in split_passages(doc) if not p.is_about] == [
        "Indented para. With two sentences.",
        "Last one.",
    ]


def test_long_paragraphs_become_several_passages_with_one_number():
    body = "\n" + " ".join(f"Sentence number {i} is here." for i in range(30)) + "\n\nNext.\n"
    passages = [p for p in split_passages(document(body)) if not p.is_about]
    assert [p.paragraph for p in passages] == [1, 1, 1, 2]
    assert all(len(p.sentences) <= MAX_PASSAGE_SENTENCES for p in passages)


def test_about_passage_units_are_front_matter_values():
    doc = document("\nBody.\n", author_bio="Ann is a fellow. She writes.", disclaimer="Views are hers.")
    about = split_passages(doc)[0]
    assert about.is_about and about.paragraph is None
    units = [s.of(about.source) for s in about.sentences]
    assert units == ["A title", "Ann is a fellow.", "She writes.", "A. Writer", "The Paper", "Views are hers."]
    assert len(about.labels) == len(units)
    assert "wrote" in about.labels[3]


def test_shipped_article_has_twenty_paragraphs_and_keeps_its_heading(shipped):
    passages = [p for p in shipped.index.passages if not p.is_about]
    assert [p.paragraph for p in passages] == list(range(1, 21))
    assert passages[7].heading == "Ukraine U-turn"
    assert passages[7].text.startswith("In December 2022, Kishida updated")


def test_shipped_body_quotes_are_in_the_original_capture(shipped):
    source = (shipped_root() / "tests" / "data" / "source.txt").read_text("utf-8").replace("\xa0", " ")
    for passage in shipped.index.passages:
        for sentence in passage.sentences:
            assert sentence.of(passage.source) in source


def test_pull_quote_caption_and_furniture_are_not_in_the_body(shipped):
    body = shipped.documents[0].body
    pull_quote = "In an unprecedented move for postwar Japan, Kishida approved the provision of lethal weapons"
    assert body.count(pull_quote) == 1
    for furniture in ("Free Article", "Disclaimer", "Related articles", "(Photo: European Commission)", "Author Bio"):
        assert furniture not in body
    assert "\nAd\n" not in body


def shipped_root():
    from tests.conftest import ROOT

    return ROOT
