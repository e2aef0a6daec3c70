"""Document -> passages: the units that are searched, quoted and cited.

A body passage is one paragraph (¶1, ¶2, … in body order; headings are not counted), cut
into sentences whose offsets point into ``document.body``. A very long paragraph is cut
into several passages that keep the same ¶ number, so one huge block of text can neither
dominate the ranking nor overflow a reply.

The front matter becomes one extra passage, cited as "about this document" rather than as
a paragraph: its units are the field values themselves (title, author, author bio,
publisher, …), joined by newlines into ``about_text`` so offsets work the same way. Each
unit also carries hidden search words naming the field ("author", "writer", "wrote"), so
"who wrote this?" can find the byline although the byline never says "wrote".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from bot.knowledge.documents import Document, Metadata
from bot.knowledge.text import Span, sentence_bounds, trim

__all__ = [
    "FIELD_LABELS",
    "LABEL_CHARS",
    "MAX_PASSAGE_CHARS",
    "MAX_PASSAGE_SENTENCES",
    "Layout",
    "Passage",
    "about_labels",
    "about_text",
    "heading_depth",
    "is_label_text",
    "is_lead_in",
    "is_list_item",
    "layout_document",
    "passage_at",
    "split_passages",
]

MAX_PASSAGE_SENTENCES = 12
MAX_PASSAGE_CHARS = 2400
# A text that ends a statement: sentence punctuation, or a closing quote or bracket after it.
_STATEMENT_END = re.compile(r"[.!?;:\"”’')\]]\s*$")
LABEL_WORDS = 12
# A heading's section number ("1.", "10.", "2.3."), and a numbered heading closed by one full stop.
_SECTION_NUMBER = r"(\d+(?:\.\d+)*)\.?\s"
_NUMBERING = re.compile(_SECTION_NUMBER)
_NUMBERED_HEADING = re.compile(_SECTION_NUMBER + r"+([^.:;!?]+)\.")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
# A list item's marker: "a)", "(b)", "iii.", "(2)", "- ", "• ". A numbered "2." opens a clause or section.
_LIST_ITEM = re.compile(r"(?:\(?(?:[a-zA-Z]|[ivxIVX]{1,5}|\d{1,2})\)|(?:[a-zA-Z]|[ivxIVX]{1,5})\.|[-–•*])\s")
# Words a Title Case heading leaves in lower case.
_JOINING = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "this", "to", "with"}
)
LABEL_CHARS = 200  # room for a label of 12 words; a longer passage is not read as one

# Words people use for a front-matter field when they ask about the document itself. Kept
# short: they count towards the about passage's BM25 length.
FIELD_LABELS: dict[str, str] = {
    "title": "title headline",
    "author": "author writer wrote",
    "author_bio": "author writer wrote job work based",
    "publisher": "publisher publication published",
    "section": "section",
    "published": "published date",
    "disclaimer": "disclaimer",
}
# The bio comes before the bare name so that "who wrote this?" quotes the fuller answer.
_ABOUT_FIELDS = ("title", "author_bio", "author", "publisher", "section", "published", "disclaimer")
_SENTENCE_FIELDS = frozenset({"author_bio", "disclaimer"})

_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_HEADING = re.compile(r"#{1,6}[ \t]+\S|#{1,6}$")
_RULE = re.compile(r"(?:[-*_][ \t]*){3,}$")
_COMMENT = re.compile(r"<!--.*?-->\s*$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Passage:
    """A searchable unit; ``source`` is the text all offsets point into."""

    doc_id: str
    paragraph: int | None
    start: int
    end: int
    sentences: tuple[Span, ...]
    heading: str | None = None
    source: str = field(default="", repr=False, compare=False)
    labels: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The whole passage, exactly as the source has it."""
        return self.source[self.start : self.end]

    @property
    def is_about(self) -> bool:
        """True for the front-matter passage."""
        return self.paragraph is None


@dataclass(frozen=True, eq=False)
class Layout:
    """Where a document's passages and sentences are, as flat arrays.

    Passage 0 is the front-matter passage (paragraph 0, offsets into ``about_text``); the
    others are body passages (offsets into ``document.body``). A large knowledge base keeps
    these arrays rather than millions of small objects; ``passage_at`` makes a Passage when
    one is needed. ``headings`` holds each distinct heading once; ``heading_ids`` points
    into it (-1: none).
    """

    paragraphs: np.ndarray  # int32, 0 for the about passage
    starts: np.ndarray  # int32 passage start
    ends: np.ndarray  # int32 passage end
    sentence_ptr: np.ndarray  # int32, passages + 1, into the sentence arrays
    sentence_starts: np.ndarray  # int32
    sentence_ends: np.ndarray  # int32
    heading_ids: np.ndarray  # int32, -1 when the passage has no heading
    headings: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        """Number of passages (the about passage included)."""
        return len(self.paragraphs)

    @property
    def paragraph_count(self) -> int:
        """Number of body paragraphs (a long paragraph cut into passages counts once)."""
        return len(np.unique(self.paragraphs[1:])) if self.size > 1 else 0


def about_fields(meta: Metadata) -> list[tuple[str, str]]:
    """The (field, value) pairs that make up the front-matter passage, in a fixed order."""
    return [(name, value) for name in _ABOUT_FIELDS if (value := getattr(meta, name))]


def about_text(meta: Metadata) -> str:
    """Front-matter values joined by newlines: the source text of the about passage."""
    return "\n".join(value for _, value in about_fields(meta))


def _about_units(meta: Metadata) -> list[tuple[str, int, int]]:
    """(field, start, end) of each unit of the about passage: one per value, or per sentence."""
    source = about_text(meta)
    units: list[tuple[str, int, int]] = []
    offset = 0
    for name, value in about_fields(meta):
        bounds = sentence_bounds(source, offset, offset + len(value)) if name in _SENTENCE_FIELDS else []
        units.extend((name, lo, hi) for lo, hi in bounds or [(offset, offset + len(value))])
        offset += len(value) + 1
    return units


def about_labels(meta: Metadata) -> tuple[str, ...]:
    """Hidden search words for each unit of the about passage (same order as its sentences)."""
    tag_words = " ".join(meta.tags)
    return tuple(
        FIELD_LABELS.get(name, "") + (f" {tag_words}" if name == "title" and tag_words else "")
        for name, _, _ in _about_units(meta)
    )


def layout_document(document: Document) -> Layout:
    """Find the document's passages and sentences."""
    paragraphs = [0]
    starts, ends = [0], []
    sentence_ptr = [0]
    sentence_starts: list[int] = []
    sentence_ends: list[int] = []
    heading_ids = [-1]
    headings: list[str] = []

    for _, lo, hi in _about_units(document.meta):
        sentence_starts.append(lo)
        sentence_ends.append(hi)
    ends.append(len(about_text(document.meta)))
    sentence_ptr.append(len(sentence_starts))

    body = document.body
    heading = -1
    number = 0
    for block_start, block_end in _blocks(body):
        first_line_end = body.find("\n", block_start, block_end)
        first_line_end = block_end if first_line_end < 0 else first_line_end
        first_line = body[block_start:first_line_end].strip()
        if _HEADING.match(first_line):
            title = first_line.lstrip("#").strip()
            if title:
                headings.append(title)
                heading = len(headings) - 1
            else:
                heading = -1
            if first_line_end >= block_end or not body[first_line_end:block_end].strip():
                continue
            block_start = first_line_end
        text = body[block_start:block_end].strip()
        if _RULE.match(text) or _COMMENT.match(text):
            continue
        number += 1
        for chunk in _chunks(sentence_bounds(body, block_start, block_end)):
            paragraphs.append(number)
            starts.append(chunk[0][0])
            ends.append(chunk[-1][1])
            heading_ids.append(heading)
            for lo, hi in chunk:
                sentence_starts.append(lo)
                sentence_ends.append(hi)
            sentence_ptr.append(len(sentence_starts))

    def ints(values: list[int]) -> np.ndarray:
        return np.asarray(values, dtype=np.int32)

    return Layout(
        paragraphs=ints(paragraphs),
        starts=ints(starts),
        ends=ints(ends),
        sentence_ptr=ints(sentence_ptr),
        sentence_starts=ints(sentence_starts),
        sentence_ends=ints(sentence_ends),
        heading_ids=ints(heading_ids),
        headings=tuple(headings),
    )


def is_label_text(text: str) -> bool:
    """True for a body paragraph that only names what follows: a few words and no sentence end.

    Documents converted from plain text (licences) keep their headings ("2.3. Limitations
    on Grant Scope") and definition terms ('1.5. "…" means') as paragraphs of their own;
    Markdown headings never become passages. A few words closed by a colon ("3.2 When the
    Program is Distributed as Source Code:", '"Contribution" means:') introduce the list
    after them and state nothing themselves.
    """
    if len(text) > LABEL_CHARS or len(text.split()) > LABEL_WORDS:
        return False
    return not _STATEMENT_END.search(text) or _is_heading_line(text) or is_lead_in(text)


def _is_heading_line(text: str) -> bool:
    """A numbered heading closed by a full stop ("1. Definitions.", "8. TERMINATION."), not a sentence.

    Licences converted from plain text number their section headings and often end them
    with a full stop. Capitalised throughout (every word but the small joining ones), the
    line names a section; "1. Preheat the oven." is an instruction.
    """
    match = _NUMBERED_HEADING.fullmatch(text.strip())
    if match is None:
        return False
    words = _WORD.findall(match.group(2))
    return bool(words) and all(w[0].isupper() or w in _JOINING for w in words)


def is_list_item(text: str) -> bool:
    """True for a paragraph that opens with a list item's marker ("a) it must…", "(b) You must…", "- use the Work")."""
    return _LIST_ITEM.match(text) is not None


def is_lead_in(text: str) -> bool:
    """True for a paragraph that ends by introducing a list ("…provided that You meet the following conditions:")."""
    return text.rstrip().endswith(":")


def heading_depth(text: str) -> int:
    """How deep a label's section number goes ("7." 1, "2.3." 2), 0 when it has none."""
    match = _NUMBERING.match(text)
    return match.group(1).count(".") + 1 if match else 0


def passage_at(document: Document, layout: Layout, i: int, about: tuple[str, tuple[str, ...]] | None = None) -> Passage:
    """Passage ``i`` of a document, as an object (``about`` saves recomputing the front-matter text)."""
    lo, hi = int(layout.sentence_ptr[i]), int(layout.sentence_ptr[i + 1])
    sentences = tuple(
        Span(int(a), int(b)) for a, b in zip(layout.sentence_starts[lo:hi], layout.sentence_ends[lo:hi], strict=True)
    )
    paragraph = int(layout.paragraphs[i])
    if paragraph == 0:
        source, labels = about or (about_text(document.meta), about_labels(document.meta))
        start, end = int(layout.starts[i]), int(layout.ends[i])
        return Passage(document.doc_id, None, start, end, sentences, None, source, labels)
    heading_id = int(layout.heading_ids[i])
    heading = layout.headings[heading_id] if heading_id >= 0 else None
    return Passage(
        document.doc_id, paragraph, int(layout.starts[i]), int(layout.ends[i]), sentences, heading, document.body
    )


def split_passages(document: Document) -> tuple[Passage, ...]:
    """The about passage first, then the body paragraphs in order."""
    layout = layout_document(document)
    about = (about_text(document.meta), about_labels(document.meta))
    return tuple(passage_at(document, layout, i, about) for i in range(layout.size))


def _blocks(body: str) -> list[tuple[int, int]]:
    """Paragraph blocks separated by blank lines, trimmed, as (start, end) offsets of the body."""
    spans: list[tuple[int, int]] = []
    previous = 0
    for match in _BLANK_LINES.finditer(body):
        spans.append((previous, match.start()))
        previous = match.end()
    spans.append((previous, len(body)))
    return [(t.start, t.end) for lo, hi in spans if (t := trim(body, lo, hi)) is not None]


def _chunks(sentences: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Group a paragraph's sentences into passages of bounded size."""
    chunks: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    for sentence in sentences:
        if current and (len(current) >= MAX_PASSAGE_SENTENCES or sentence[1] - current[0][0] > MAX_PASSAGE_CHARS):
            chunks.append(current)
            current = []
        current.append(sentence)
    if current:
        chunks.append(current)
    return chunks
