"""Bytes of a page or file -> a Draft: the body we would write and what we know about it.

The kind of content is decided twice, from what it is called (file name, Content-Type)
and from its bytes (PDF magic, HTML sniffing, NUL bytes), and a disagreement is refused
rather than guessed around. Nothing in the input is executed: HTML is parsed by
trafilatura (lxml, no scripts), PDF by pypdf, text is only decoded.

A draft's paragraphs are read back from its body by the knowledge format's own layout
code, so what ``Draft.paragraphs`` shows is exactly what will be cited as ¶1, ¶2, ….
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from bot.errors import IngestError
from bot.ingest.fetch import MAX_BYTES, size_label
from bot.knowledge.documents import REQUIRED_FIELDS, Document, Metadata, parse_document
from bot.knowledge.passages import layout_document

__all__ = [
    "Draft",
    "convert",
    "detect_kind",
    "paragraphs_of",
]

_EXTENSIONS = {
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
}
_MEDIA_TYPES = {"text/html": "html", "application/pdf": "pdf", "text/plain": "text", "text/markdown": "markdown"}
_TEXT_KINDS = frozenset({"text", "markdown"})
_SNIFF_BYTES = 1024
MAX_PDF_PAGES = 500  # text extraction takes time per page; the written file is capped at 2 MB anyway
# The WHATWG sniffing patterns for HTML ("<" + tag, then a space or ">"), and the strong
# ones that no plain text or Markdown file starts with.
_HTML_START = re.compile(
    rb"<(?:!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|meta|!--)[ \t\n\f\r>]",
    re.IGNORECASE,
)
_STRONG_HTML_START = re.compile(rb"<(?:!doctype html|html|head|body)[ \t\n\f\r>]", re.IGNORECASE)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_HTML_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_ATX_TITLE = re.compile(r"#[ \t]+(\S.*?)[ \t#]*$")
_FRONT_MATTER_FENCE = re.compile(r"---[ \t]*$")
_ISO_DATE = re.compile(r"\s*(\d{4})[-/](\d{2})[-/](\d{2})(?:$|[T\s])")
# Meta names, properties and itemprops that hold the publication date, best first.
_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "citation_publication_date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dcterms.created",
    "date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publication_date",
    "sailthru.date",
    "parsely-pub-date",
)
_SENTENCE_END = tuple('.!?:;"”’)»')
_PAGE_NUMBER = re.compile(r"(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?", re.IGNORECASE)
_FILE_NAME_TITLE = re.compile(r"(?:^microsoft \w+ - )|(?:\.(?:docx?|odt|pdf|rtf|txt|pptx?|xlsx?)$)", re.IGNORECASE)

logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged PDFs are reported to the user, not the log
logging.getLogger("trafilatura").setLevel(logging.ERROR)


@dataclass(frozen=True, slots=True)
class Draft:
    """What one source would become, before the caller's corrections are applied.

    ``body`` is the exact text that goes after the front matter; ``paragraphs`` are the
    paragraphs the knowledge format reads from it; ``missing`` names the required fields
    nothing filled in. ``extra`` holds the other front-matter fields of a file that was
    already in our format, and ``doc_id`` its ``id`` (if it had one).
    """

    title: str | None
    author: str | None
    publisher: str | None
    url: str | None
    published: str | None
    paragraphs: tuple[str, ...]
    source: str
    missing: tuple[str, ...]
    kind: str = "text"
    body: str = field(default="", repr=False)
    extra: tuple[tuple[str, str | tuple[str, ...]], ...] = ()
    doc_id: str | None = None


def make_draft(
    *,
    title: str | None,
    author: str | None,
    publisher: str | None,
    url: str | None,
    published: str | None,
    body: str,
    source: str,
    kind: str,
    extra: tuple[tuple[str, str | tuple[str, ...]], ...] = (),
    doc_id: str | None = None,
) -> Draft:
    """A Draft whose paragraphs and missing fields are derived, never given separately."""
    values = {"title": clean_field(title), "author": clean_field(author), "publisher": clean_field(publisher)}
    paragraphs = paragraphs_of(body)
    if not paragraphs:
        raise IngestError("no text was found to add (the body would be empty)")
    return Draft(
        title=values["title"],
        author=values["author"],
        publisher=values["publisher"],
        url=clean_url(url),
        published=published,
        paragraphs=paragraphs,
        source=source,
        missing=tuple(name for name in REQUIRED_FIELDS if not values[name]),
        kind=kind,
        body=body,
        extra=extra,
        doc_id=doc_id,
    )


def clean_field(value: str | None, limit: int = 4000) -> str | None:
    """One line of metadata: no control characters or surrogates, single spaces, bounded."""
    if value is None:
        return None
    text = "".join(" " if (ch < " " or "\x7f" <= ch <= "\x9f" or "\ud800" <= ch <= "\udfff") else ch for ch in value)
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or None


def clean_url(value: str | None) -> str | None:
    """An http(s) URL the knowledge format accepts, or None."""
    if not value:
        return None
    value = value.strip()
    if re.match(r"^https?://[^\s<>]+$", value) and len(value) <= 4000:
        return value
    return None


def paragraphs_of(body: str) -> tuple[str, ...]:
    """The body's paragraphs exactly as the knowledge format cuts them (headings not counted)."""
    probe = Document("probe", "", Metadata(title="t", author="a", publisher="p"), body, 1, "")
    layout = layout_document(probe)
    spans: dict[int, tuple[int, int]] = {}
    for i in range(1, layout.size):
        number = int(layout.paragraphs[i])
        start, end = int(layout.starts[i]), int(layout.ends[i])
        lo, hi = spans.get(number, (start, end))
        spans[number] = (min(lo, start), max(hi, end))
    return tuple(body[lo:hi] for _, (lo, hi) in sorted(spans.items()))


# --- kind -------------------------------------------------------------------------------


def detect_kind(data: bytes, *, filename: str | None = None, content_type: str | None = None) -> str:
    """The kind of content ("html", "pdf", "text" or "markdown"), or IngestError.

    At least one of ``filename`` and ``content_type`` is needed; both must agree with each
    other (plain text and Markdown count as one family) and with the bytes.
    """
    declared: list[tuple[str, str]] = []
    if filename is not None:
        name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
        dot = name.rfind(".")
        extension = name[dot:].lower() if dot > 0 else ""
        if extension not in _EXTENSIONS:
            raise IngestError(f"only .html, .txt, .md and .pdf files can be added, not {name[:80]!r}")
        declared.append((_EXTENSIONS[extension], f"named {extension}"))
    if content_type is not None:
        media = content_type.split(";", 1)[0].strip().lower()
        if media not in _MEDIA_TYPES:
            raise IngestError(f"{media[:60] or 'this content'} is not a web page, text or PDF")
        declared.append((_MEDIA_TYPES[media], f"sent as {media}"))
    if not declared:
        raise IngestError("a file name or content type is needed to tell what kind of file this is")
    kind, said = declared[0]
    for other, other_said in declared[1:]:
        if other != kind and not {kind, other} <= _TEXT_KINDS:
            raise IngestError(f"the file is {said} but {other_said}; refusing to guess which it is")

    if not data:
        raise IngestError("the file is empty")
    head = data[:_SNIFF_BYTES]
    is_pdf = data.startswith(b"%PDF-")
    if kind == "pdf":
        if not is_pdf:
            raise IngestError(f"the file is {said} but is not a PDF (it does not start with %PDF-)")
        return kind
    if is_pdf:
        raise IngestError(f"the file is {said} but is a PDF")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError("the text is UTF-16; save it as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise IngestError(f"the file is {said} but holds binary data (a NUL byte at offset {nul})")
    start = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if kind == "html":
        if not (_HTML_START.match(start) or (start.startswith(b"<?xml") and b"<html" in head.lower())):
            raise IngestError(f"the file is {said} but does not look like HTML")
        return kind
    if _STRONG_HTML_START.match(start):
        raise IngestError(f"the file is {said} but holds an HTML page")
    return "markdown" if "markdown" in {k for k, _ in declared} else kind


def convert(
    data: bytes,
    *,
    source: str,
    filename: str | None = None,
    content_type: str | None = None,
    charset: str | None = None,
    url: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> Draft:
    """Turn one page or file into a Draft, or raise IngestError saying why it cannot be.

    ``url`` is where a page was fetched from (after redirects); ``source`` is what the
    person gave (the URL or the file name) and is recorded as provenance.
    """
    if len(data) > max_bytes:
        raise IngestError(f"the file is over the {size_label(max_bytes)} size limit")
    kind = detect_kind(data, filename=filename, content_type=content_type)
    if kind == "html":
        return _from_html(data, charset=charset, url=url, source=source)
    if kind == "pdf":
        return _from_pdf(data, url=url, source=source)
    text = _decode_text(data, charset)
    if kind == "markdown":
        return _from_markdown(text, url=url, source=source, name=filename or source)
    return make_draft(
        title=None, author=None, publisher=None, url=url, published=None, body=text, source=source, kind="text"
    )


# --- text and Markdown ------------------------------------------------------------------


def _decode_text(data: bytes, charset: str | None) -> str:
    """UTF-8 (a BOM is fine) or, when a server names another charset, that charset; strictly."""
    encoding = "utf-8-sig"
    if charset and charset.strip().lower() not in ("utf-8", "utf8", "us-ascii", "ascii"):
        encoding = charset.strip()
    try:
        text = data.decode(encoding)
    except LookupError:
        raise IngestError(f"unknown text encoding {charset[:40]!r}") from None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise IngestError(
            f"the text is not valid {'UTF-8' if encoding == 'utf-8-sig' else encoding}: byte 0x{data[exc.start]:02x} "
            f"on line {line} cannot be decoded; save it as UTF-8"
        ) from None
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")


def _from_markdown(text: str, *, url: str | None, source: str, name: str) -> Draft:
    """A file in our own format passes through (validated); other Markdown gets its # title lifted."""
    first = text.split("\n", 1)[0]
    if _FRONT_MATTER_FENCE.match(first):
        return _from_knowledge_file(text, url=url, source=source, name=name)
    title = None
    body = text
    blocks = _BLANK_LINE.split(text.lstrip("\n"), maxsplit=1)
    if blocks and "\n" not in blocks[0].strip() and (match := _ATX_TITLE.match(blocks[0].strip())):
        title = match.group(1)
        body = blocks[1] if len(blocks) > 1 else ""
    return make_draft(
        title=title, author=None, publisher=None, url=url, published=None, body=body, source=source, kind="markdown"
    )


def _from_knowledge_file(text: str, *, url: str | None, source: str, name: str) -> Draft:
    shown = name.rsplit("/", 1)[-1]
    result = parse_document(shown, text, "", "document")
    if result.document is None:
        first = result.problems[0]
        more = f" (and {len(result.problems) - 1} more)" if len(result.problems) > 1 else ""
        raise IngestError(f"the file is not a valid knowledge file: {first}{more}")
    document = result.document
    meta = document.meta
    extra: list[tuple[str, str | tuple[str, ...]]] = []
    for key in ("author_bio", "section", "tags", "photo_caption", "disclaimer", "added_by", "added_at"):
        value = getattr(meta, key)
        if value:
            extra.append((key, value))
    has_id = re.search(r"(?m)^id[ \t]*:", text.split("\n---", 1)[0]) is not None
    return make_draft(
        title=meta.title,
        author=meta.author,
        publisher=meta.publisher,
        url=meta.url or url,
        published=meta.published,
        body=document.body,
        source=meta.source or source,
        kind="knowledge",
        extra=tuple(extra),
        doc_id=document.doc_id if has_id else None,
    )


# --- HTML -------------------------------------------------------------------------------


def _from_html(data: bytes, *, charset: str | None, url: str | None, source: str) -> Draft:
    """Article text by trafilatura; the date only from the page's metadata, never its text."""
    import trafilatura  # heavy (lxml, dateparser); loaded only when a page is added

    html: str | bytes = data
    if charset:
        try:
            html = data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            html = data  # let trafilatura read the page's own <meta charset>
    try:
        extracted = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_links=False,
            include_formatting=False,
            favor_precision=True,
            deduplicate=False,
            as_dict=False,
        )
    except (ValueError, TypeError, RecursionError, MemoryError) as exc:
        raise IngestError(f"the page could not be read as HTML ({type(exc).__name__})") from None
    if extracted is None or getattr(extracted, "body", None) is None:
        raise IngestError("no article text was found on the page")
    title = getattr(extracted, "title", None)
    blocks = [(tag, text) for tag, text in _html_blocks(extracted.body) if text]
    if blocks and blocks[0][0] == "head" and title and clean_field(blocks[0][1]) == clean_field(title):
        blocks = blocks[1:]  # the headline repeated at the top of the body
    body = "\n\n".join(f"## {text}" if tag == "head" else text for tag, text in blocks)
    draft = make_draft(
        title=title,
        author=getattr(extracted, "author", None),
        publisher=_publisher(getattr(extracted, "sitename", None), url),
        url=_page_url(getattr(extracted, "url", None), url),
        published=metadata_date(data.decode("utf-8", "replace") if isinstance(html, bytes) else html),
        body=body,
        source=source,
        kind="html",
    )
    texts = [text for tag, text in blocks if tag != "head"]
    exact = set(texts)
    for paragraph in draft.paragraphs:
        if paragraph not in exact and not any(paragraph in text for text in texts):  # would be our bug
            raise IngestError("a paragraph changed between extraction and writing; nothing was added")
    return draft


_BLOCK_TAGS = frozenset({"p", "head", "quote", "list", "item", "div", "code"})
_SKIPPED_TAGS = frozenset({"table", "graphic", "figure", "ref", "note"})


def _html_blocks(element: Any) -> Iterator[tuple[str, str]]:
    """(kind, text) of each block of trafilatura's cleaned tree: headings and paragraphs."""
    for child in element:
        tag = str(child.tag)
        if tag in _SKIPPED_TAGS:
            continue
        if any(str(c.tag) in _BLOCK_TAGS for c in child):
            if child.text and child.text.strip():
                yield "p", _normalise(child.text)
            yield from _html_blocks(child)
        else:
            yield ("head" if tag == "head" else "p"), _normalise(_inline_text(child))
        if child.tail and child.tail.strip():
            yield "p", _normalise(child.tail)


def _inline_text(element: Any) -> str:
    """Text of an element with its line breaks (<lb/>) kept as newlines."""
    parts = [element.text or ""]
    for child in element:
        parts.append("\n" if str(child.tag) == "lb" else _inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _normalise(text: str) -> str:
    """HTML white space as a browser shows it: runs collapsed, line breaks only where <br> was."""
    lines = (_HTML_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _publisher(sitename: str | None, url: str | None) -> str | None:
    """The site's name; a bare host name is what trafilatura guesses without one, so not a name."""
    if not sitename:
        return None
    parts = urlsplit(url) if url else None
    hosts = {parts.hostname or "", parts.netloc.lower()} - {""} if parts else set()
    name = sitename.strip().lower()
    if name in hosts or name in {h.removeprefix("www.") for h in hosts}:
        return None
    return sitename


def _page_url(claimed: str | None, fetched: str | None) -> str | None:
    """The page's canonical URL when it is on the host we fetched from; else where we fetched."""
    if fetched is None:
        return clean_url(claimed)
    same_host = claimed and (urlsplit(claimed).hostname or "") == (urlsplit(fetched).hostname or "")
    if same_host and clean_url(claimed):
        return claimed
    return fetched


class _MetaReader(HTMLParser):
    """Collects <meta> names/properties/itemprops and JSON-LD scripts; ignores everything else."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: list[tuple[str, str]] = []
        self.json_ld: list[str] = []
        self._in_json = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v or "" for k, v in attrs}
        if tag in ("meta", "time", "span", "div", "abbr"):
            key = values.get("property") or values.get("name") or values.get("itemprop") or ""
            content = values.get("content") or values.get("datetime") or ""
            if tag != "meta" and not (values.get("itemprop") == "datePublished" and content):
                return
            if key and content:
                self.meta.append((key.strip().lower(), content))
        elif tag == "script" and values.get("type", "").strip().lower() == "application/ld+json":
            self._in_json = True
            self.json_ld.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_json = False

    def handle_data(self, data: str) -> None:
        if self._in_json:
            self.json_ld[-1] += data


def metadata_date(html: str) -> str | None:
    """The publication date the page's metadata states (JSON-LD, then <meta>), as YYYY-MM-DD.

    Dates in the visible text are never used: an article that mentions "12 May 2023" was
    not necessarily published then.
    """
    reader = _MetaReader()
    try:
        reader.feed(html)
        reader.close()
    except (AssertionError, ValueError):  # HTMLParser is lenient; this is only a safety net
        return None
    for script in reader.json_ld:
        try:
            data = json.loads(script)
        except (ValueError, RecursionError):
            continue
        for value in _json_values(data, "datePublished"):
            if isinstance(value, str) and (found := _iso_date(value)):
                return found
    by_key: dict[str, str] = {}
    for key, content in reader.meta:
        by_key.setdefault(key, content)
    for key in _DATE_KEYS:
        if key in by_key and (found := _iso_date(by_key[key])):
            return found
    return None


def _json_values(data: object, key: str, depth: int = 0) -> Iterator[object]:
    if depth > 20:
        return
    if isinstance(data, dict):
        if key in data:
            yield data[key]
        for value in data.values():
            if isinstance(value, dict | list):
                yield from _json_values(value, key, depth + 1)
    elif isinstance(data, list):
        for item in data:
            yield from _json_values(item, key, depth + 1)


def _iso_date(value: str) -> str | None:
    match = _ISO_DATE.match(value)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3))).isoformat()
    except ValueError:
        return None


# --- PDF --------------------------------------------------------------------------------


def _from_pdf(data: bytes, *, url: str | None, source: str) -> Draft:
    """Text by pypdf in layout mode (its blank lines mark paragraph gaps), hard wraps joined."""
    from pypdf import PdfReader  # loaded only when a PDF is added

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError("the PDF is password-protected; add an unprotected copy")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise IngestError(f"the PDF has {len(reader.pages):,} pages, over the {MAX_PDF_PAGES} page limit")
        pages = [_page_text(page) for page in reader.pages]
        info = reader.metadata
        title = info.title if info else None
        author = info.author if info else None
    except IngestError:
        raise
    except Exception as exc:  # any failure of the parser on hostile bytes is a damaged file
        raise IngestError(f"the PDF could not be read; it may be damaged ({type(exc).__name__})") from None
    if title and _FILE_NAME_TITLE.search(title.strip()):
        title = None  # "Microsoft Word - draft3.docx" is the file, not the document's title
    paragraphs = list(_pdf_paragraphs(_strip_page_furniture(pages)))
    if not paragraphs:
        raise IngestError("the PDF has no text to add (it may be scanned images)")
    return make_draft(
        title=str(title) if title else None,
        author=str(author) if author else None,
        publisher=None,
        url=url,
        published=None,
        body="\n\n".join(paragraphs),
        source=source,
        kind="pdf",
    )


def _page_text(page: Any) -> list[str]:
    try:
        text = page.extract_text(extraction_mode="layout")
    except Exception:  # layout mode is fragile; plain mode still has the words
        text = page.extract_text()
    return [" ".join(line.split()) for line in (text or "").split("\n")]


def _strip_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Drop page numbers and running headers/footers (the same line at the edge of most pages)."""
    edges: dict[str, int] = {}
    for lines in pages:
        content = [line for line in lines if line]
        for line in {*content[:2], *content[-2:]}:
            edges[line] = edges.get(line, 0) + 1
    repeated = {line for line, count in edges.items() if len(pages) >= 3 and count > len(pages) / 2}
    kept = [[line for line in lines if not _PAGE_NUMBER.fullmatch(line) and line not in repeated] for lines in pages]
    return [_trim_blank(lines) for lines in kept]


def _trim_blank(lines: list[str]) -> list[str]:
    """Without the gaps at the top and bottom of a page, which say nothing about paragraphs."""
    start, end = 0, len(lines)
    while start < end and not lines[start]:
        start += 1
    while end > start and not lines[end - 1]:
        end -= 1
    return lines[start:end]


def _pdf_paragraphs(pages: Iterable[list[str]]) -> Iterator[str]:
    """Join hard-wrapped lines; a blank line (a vertical gap on the page) ends a paragraph.

    A paragraph runs on over a page break unless the page ended on the end of a sentence.
    """
    current: list[str] = []
    for lines in pages:
        for line in lines:
            if not line:
                if current:
                    yield _join_lines(current)
                    current = []
                continue
            current.append(line)
        if current and current[-1].endswith(_SENTENCE_END):
            yield _join_lines(current)
            current = []
    if current:
        yield _join_lines(current)


def _join_lines(lines: list[str]) -> str:
    """A word broken with a hyphen at a line end keeps its hyphen but loses the space."""
    text = lines[0]
    for line in lines[1:]:
        if text.endswith("-") and len(text) > 1 and text[-2].isalpha() and line[:1].islower():
            text += line
        else:
            text += " " + line
    return text
