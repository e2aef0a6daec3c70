"""Converting: article text only, verbatim; metadata only where the page states it; bad input refused."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter

from bot.errors import IngestError
from bot.ingest.convert import convert, detect_kind, metadata_date
from tests.ingest.conftest import DATA, make_pdf

NEWS_URL = "https://ledger.example/environment/2024/lake-varn-trout?utm_source=feed"

NEWS_PARAGRAPHS = (
    "Biologists surveying Lake Varn have counted the first wild-spawned brown trout in the lake since the "
    "population collapsed fifteen years ago.",
    "The fish were found in gravel beds at the northern inlet, where volunteers removed a concrete weir and "
    "replanted willows along four kilometres of bank. “We saw fry in every one of the twelve sampling points,” "
    "said Ingrid Sæther, who leads the survey for the Lake Varn Trust.",
    "The restoration began after a run of algal blooms left the water too warm and too poor in oxygen for trout "
    "to breed. Farms upstream agreed to keep a ten-metre strip of grass between their fields and the streams "
    "that feed the lake.",
    "Summer oxygen levels near the lake bed have roughly doubled since the first measurements, according to the "
    "trust’s annual report. Phosphorus from fertiliser, which fed the blooms, has fallen by more than half.",
    "Not every species has recovered. Arctic char, which need colder water than trout, have not been seen in any "
    "survey, and the trust says it does not expect them back without a change in summer temperatures.",
    "The next survey is planned for the autumn, when the trust hopes to count the first adult trout returning "
    "to spawn.",
)

NEWS_BOILERPLATE = (
    "We use cookies",  # cookie banner
    "Accept all",
    "Subscribe for 1 euro",  # navigation
    "Politics",
    "Breadcrumb",
    "Summer sale",  # ad blocks
    "Ledger Premium",
    "Cheap flights",
    "Advertisement",
    "juvenile brown trout photographed",  # figure captions
    "weir at the inlet before its removal",
    "Related stories",  # related links
    "Algal bloom closes",
    "Most read",
    "Ferry timetable",
    "Topics:",  # article footer
    "environment newsletter",
    "All rights reserved",  # site footer
    "Privacy policy",
    "Share",
    "By Maren Holt",  # the byline is metadata, not a paragraph
)


def news() -> bytes:
    return (DATA / "news-article.html").read_bytes()


def blog() -> bytes:
    return (DATA / "blog-post.html").read_bytes()


def test_a_news_article_keeps_exactly_its_paragraphs():
    draft = convert(news(), source=NEWS_URL, content_type="text/html", url=NEWS_URL)
    assert draft.paragraphs == NEWS_PARAGRAPHS
    assert "\n\n## What changed in the water\n\n" in draft.body  # the sub-heading, not counted as a paragraph
    for text in NEWS_BOILERPLATE:
        assert text not in draft.body, text


def test_a_news_article_takes_its_metadata_from_the_page():
    draft = convert(news(), source=NEWS_URL, content_type="text/html; charset=utf-8", url=NEWS_URL)
    assert draft.title == "Native trout return to Lake Varn after a decade of restoration"
    assert draft.author == "Maren Holt"
    assert draft.publisher == "The Northern Ledger"
    assert draft.published == "2024-06-18"  # datePublished, not dateModified (the 19th)
    assert draft.url == "https://ledger.example/environment/2024/lake-varn-trout"  # canonical, same host
    assert draft.source == NEWS_URL
    assert draft.missing == ()
    assert draft.kind == "html"


def test_a_canonical_url_on_another_host_is_not_believed():
    draft = convert(news(), source="https://mirror.example/a", content_type="text/html", url="https://mirror.example/a")
    assert draft.url == "https://mirror.example/a"


def test_a_saved_page_uploaded_as_a_file_keeps_its_own_canonical_url():
    draft = convert(news(), source="trout.html", filename="trout.html")
    assert draft.url == "https://ledger.example/environment/2024/lake-varn-trout"
    assert draft.paragraphs == NEWS_PARAGRAPHS


def test_a_blog_post_drops_comments_promos_and_sidebars_and_keeps_quotes_lists_and_line_breaks():
    draft = convert(
        blog(), source="https://crumb.example/oven", content_type="text/html", url="https://crumb.example/oven"
    )
    assert draft.paragraphs == (
        "When the electric deck oven failed for the third time in a winter, we did something our accountant "
        "called romantic and our customers called overdue: we relit the brick oven my grandfather built in 1961.",
        "The first weeks were humbling. A wood oven has no thermostat, only a door, a peel and the baker’s "
        "patience. We burned forty loaves before we learned to read the colour of the bricks.",
        "“You don’t bake in it, you bake with it,” my grandfather used to say.",
        "What surprised us was the crust. The falling heat of the oven after the fire is raked out gives a thick, "
        "blistered crust that we never managed in the old oven, and the loaves keep a day longer.",
        "Our costs changed less than we feared. A cubic metre of beech from the estate on the hill lasts about "
        "nine days of baking:",
        "one firing before dawn for the bread,",
        "a second, smaller firing for the pastries,",
        "and the falling heat in the afternoon for granola.",
        "We now open on Sundays again, for the first time since the spring of 2019.\n"
        "Come early: the first batch sells out by nine.",
    )
    for text in (
        "cookies",
        "Recipes",
        "Archives",
        "Sponsored",
        "Read more",
        "Share this",
        "comments",
        "Ellie",
        "granola online",
        "Mill Lane",
        "Powered by",
        "Posted on",
    ):
        assert text not in draft.body, text


def test_no_date_is_invented_from_the_text_and_no_publisher_from_the_host_name():
    draft = convert(
        blog(), source="https://crumb.example/oven", content_type="text/html", url="https://crumb.example/oven"
    )
    assert draft.published is None  # the page shows "12 May 2023" but its metadata gives no date
    assert draft.title == "Why our village bakery went back to wood-fired ovens"
    assert draft.author == "Tomasz Wren"
    assert draft.publisher is None
    assert draft.missing == ("publisher",)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta property="article:published_time" content="2021-03-04T10:00:00Z">', "2021-03-04"),
        ('<meta name="DC.date.issued" content="2020/12/31">', "2020-12-31"),
        ('<meta itemprop="datePublished" content="2019-07-01">', "2019-07-01"),
        (
            '<script type="application/ld+json">{"@graph": [{"@type": "WebPage"}, '
            '{"@type": "BlogPosting", "datePublished": "2018-05-06"}]}</script>',
            "2018-05-06",
        ),
        ('<script type="application/ld+json">{"dateModified": "2018-05-06"}</script>', None),
        ('<meta name="date" content="last Tuesday">', None),
        ('<meta name="date" content="2021-02-30">', None),
        ('<meta property="og:updated_time" content="2021-03-04">', None),
        ("<p>Published on 2021-03-04.</p><time>2021-03-04</time>", None),
    ],
)
def test_dates_come_only_from_metadata(head: str, expected: str | None):
    assert metadata_date(f"<html><head>{head}</head><body><p>Text.</p></body></html>") == expected


def test_a_page_without_article_text_is_refused():
    with pytest.raises(IngestError, match=r"no article text|no text"):
        convert(
            b"<!doctype html><html><body><nav><a href='/'>Home</a></nav></body></html>",
            source="x.html",
            filename="x.html",
        )


# --- PDF ---------------------------------------------------------------------------------


def test_a_pdf_joins_hard_wrapped_lines_into_paragraphs():
    pdf = make_pdf(
        [
            [
                "The first paragraph is long enough that it",
                "wraps over two lines of the page.",
                "",
                "A second para-",
                "graph that continues on the",
                "",
                "",
                "1",
            ],
            ["next page and ends here.", "", "A third paragraph.", "", "", "2"],
        ],
        title="Annual report",
        author="Jo Bloggs",
    )
    draft = convert(pdf, source="report.pdf", filename="report.pdf")
    assert draft.paragraphs == (
        "The first paragraph is long enough that it wraps over two lines of the page.",
        "A second para-graph that continues on the next page and ends here.",
        "A third paragraph.",
    )
    assert (draft.title, draft.author, draft.publisher, draft.published) == ("Annual report", "Jo Bloggs", None, None)
    assert draft.missing == ("publisher",)


def test_a_pdf_title_that_is_a_file_name_is_not_used():
    pdf = make_pdf([["Some text."]], title="Microsoft Word - draft3.docx")
    assert convert(pdf, source="a.pdf", filename="a.pdf").title is None


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n this is not really a PDF at all",
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n%%EOF",
    ],
)
def test_a_broken_pdf_is_refused_clearly(data: bytes):
    with pytest.raises(IngestError, match=r"PDF could not be read|PDF has no text"):
        convert(data, source="broken.pdf", filename="broken.pdf")


def test_a_truncated_pdf_is_refused():
    pdf = make_pdf([["Some text that will be cut."]])
    with pytest.raises(IngestError, match="PDF"):
        convert(pdf[: len(pdf) // 3], source="cut.pdf", filename="cut.pdf")


def test_a_pdf_without_text_and_a_password_protected_pdf_are_refused():
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    blank = io.BytesIO()
    writer.write(blank)
    with pytest.raises(IngestError, match="no text"):
        convert(blank.getvalue(), source="blank.pdf", filename="blank.pdf")
    writer.encrypt("secret")
    locked = io.BytesIO()
    writer.write(locked)
    with pytest.raises(IngestError, match="password-protected"):
        convert(locked.getvalue(), source="locked.pdf", filename="locked.pdf")


# --- text and Markdown -----------------------------------------------------------------------


def test_text_with_a_bom_and_crlf_splits_on_blank_lines_verbatim():
    data = "\ufeffFirst line\r\nstill the first paragraph.\r\n\r\n  \r\nSecond “paragraph”.\r\n".encode()
    draft = convert(data, source="notes.txt", filename="notes.txt")
    assert draft.paragraphs == ("First line\nstill the first paragraph.", "Second “paragraph”.")
    assert draft.missing == ("title", "author", "publisher")


def test_undecodable_text_is_refused_with_the_line():
    with pytest.raises(IngestError, match="not valid UTF-8: byte 0xe9 on line 2"):
        convert(b"fine\ncaf\xe9\n", source="a.txt", filename="a.txt")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"text\x00with a NUL", "binary data"),
        ("UTF-16 text".encode("utf-16"), "UTF-16"),
        (b"", "empty"),
    ],
)
def test_binary_utf16_and_empty_text_are_refused(data: bytes, message: str):
    with pytest.raises(IngestError, match=message):
        convert(data, source="a.txt", filename="a.txt")


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "message"),
    [
        (b"<!DOCTYPE html><html><body><p>x</p></body></html>", "a.pdf", None, "not a PDF"),
        (b"%PDF-1.7 ...", "a.txt", None, "is a PDF"),
        (b"%PDF-1.7 ...", None, "text/html", "is a PDF"),
        (b"<!doctype html><html><p>x</p></html>", "a.txt", None, "holds an HTML page"),
        (b"Just some words.", "a.html", None, "does not look like HTML"),
        (b"Just some words.", None, "text/html", "does not look like HTML"),
        (b"<p>x</p>", "a.pdf", "text/html", "named .pdf but sent as text/html"),
        (b"x", "a.docx", None, "only .html, .txt, .md and .pdf"),
        (b"x", None, "image/png", "not a web page, text or PDF"),
        (b"x", None, None, "file name or content type is needed"),
    ],
)
def test_content_is_checked_from_its_bytes_against_its_name_and_type(data, filename, content_type, message):
    with pytest.raises(IngestError, match=message):
        detect_kind(data, filename=filename, content_type=content_type)


def test_markdown_sent_as_plain_text_is_markdown():
    assert detect_kind(b"# Title\n\nText.", filename="a.md", content_type="text/plain; charset=utf-8") == "markdown"
    assert detect_kind(b"<div>Text in HTML inside Markdown</div>", filename="a.md") == "markdown"


def test_the_size_limit_is_named():
    with pytest.raises(IngestError, match="over the 10 bytes size limit"):
        convert(b"x" * 11, source="a.txt", filename="a.txt", max_bytes=10)


def test_a_file_in_our_format_passes_through_with_its_fields():
    text = (
        '---\ntitle: "A title"\nauthor: A. Writer\npublisher: The Paper\nsection: Opinion\ntags: [one, two]\n'
        "id: my-doc\n---\n\nFirst paragraph.\n\n## Heading\n\nSecond *paragraph*.\n"
    )
    draft = convert(text.encode(), source="mine.md", filename="mine.md")
    assert draft.kind == "knowledge"
    assert draft.body == "\nFirst paragraph.\n\n## Heading\n\nSecond *paragraph*."
    assert draft.paragraphs == ("First paragraph.", "Second *paragraph*.")
    assert (draft.title, draft.author, draft.publisher, draft.doc_id) == ("A title", "A. Writer", "The Paper", "my-doc")
    assert dict(draft.extra) == {"section": "Opinion", "tags": ("one", "two")}


def test_a_broken_file_in_our_format_is_refused_with_its_line():
    text = "---\ntitle: T\nauthor: A\n---\nBody.\n"
    with pytest.raises(IngestError, match=r"not a valid knowledge file: mine.md:4: missing required field 'publisher'"):
        convert(text.encode(), source="mine.md", filename="mine.md")


def test_plain_markdown_lifts_its_title():
    text = "# The title\n\nFirst paragraph with a [link](https://x.example).\n\n## Part two\n\nSecond.\n"
    draft = convert(text.encode(), source="plain.md", filename="plain.md")
    assert draft.title == "The title"
    assert draft.paragraphs == ("First paragraph with a [link](https://x.example).", "Second.")
    assert draft.missing == ("author", "publisher")


def test_a_pdf_over_the_page_limit_is_refused_before_its_text_is_read():
    writer = PdfWriter()
    for _ in range(501):
        writer.add_blank_page(100, 100)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(IngestError, match="501 pages, over the 500 page limit"):
        convert(out.getvalue(), source="long.pdf", filename="long.pdf")
