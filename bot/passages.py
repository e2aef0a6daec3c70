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

from bot.documents import Document, Metadata
from bot.text import Span, split_sentences, trim

__all__ = [
    "FIELD_LABELS",
    "MAX_PASSAGE_CHARS",
    "MAX_PASSAGE_SENTENCES",
    "Passage",
    "about_text",
    "split_passages",
]

MAX_PASSAGE_SENTENCES = 12
MAX_PASSAGE_CHARS = 2400

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


def about_fields(meta: Metadata) -> list[tuple[str, str]]:
    """The (field, value) pairs that make up the front-matter passage, in a fixed order."""
    return [(name, value) for name in _ABOUT_FIELDS if (value := getattr(meta, name))]


def about_text(meta: Metadata) -> str:
    """Front-matter values joined by newlines: the source text of the about passage."""
    return "\n".join(value for _, value in about_fields(meta))


def split_passages(document: Document) -> tuple[Passage, ...]:
    """The about passage first, then the body paragraphs in order."""
    return (_about_passage(document), *_body_passages(document))


def _about_passage(document: Document) -> Passage:
    source = about_text(document.meta)
    units: list[Span] = []
    labels: list[str] = []
    offset = 0
    tag_words = " ".join(document.meta.tags)
    for name, value in about_fields(document.meta):
        spans = (
            split_sentences(source, offset, offset + len(value))
            if name in _SENTENCE_FIELDS
            else (Span(offset, offset + len(value)),)
        )
        for span in spans:
            units.append(span)
            extra = f" {tag_words}" if name == "title" and tag_words else ""
            labels.append(f"{FIELD_LABELS.get(name, '')}{extra}")
        offset += len(value) + 1
    return Passage(
        doc_id=document.doc_id,
        paragraph=None,
        start=0,
        end=len(source),
        sentences=tuple(units),
        source=source,
        labels=tuple(labels),
    )


def _body_passages(document: Document) -> list[Passage]:
    body = document.body
    passages: list[Passage] = []
    heading: str | None = None
    number = 0
    for block in _blocks(body):
        first_line_end = body.find("\n", block.start, block.end)
        first_line_end = block.end if first_line_end < 0 else first_line_end
        first_line = body[block.start : first_line_end].strip()
        if _HEADING.match(first_line):
            heading = first_line.lstrip("#").strip() or None
            rest_start = first_line_end
            if rest_start >= block.end or not body[rest_start : block.end].strip():
                continue
            block = Span(rest_start, block.end)
        text = block.of(body).strip()
        if _RULE.match(text) or _COMMENT.match(text):
            continue
        number += 1
        sentences = split_sentences(body, block.start, block.end)
        for chunk in _chunks(sentences):
            passages.append(
                Passage(
                    doc_id=document.doc_id,
                    paragraph=number,
                    start=chunk[0].start,
                    end=chunk[-1].end,
                    sentences=chunk,
                    heading=heading,
                    source=body,
                )
            )
    return passages


def _blocks(body: str) -> list[Span]:
    """Paragraph blocks separated by blank lines, trimmed, as spans of the body."""
    spans: list[Span] = []
    previous = 0
    for match in _BLANK_LINES.finditer(body):
        spans.append(Span(previous, match.start()))
        previous = match.end()
    spans.append(Span(previous, len(body)))
    return [t for span in spans if (t := trim(body, span.start, span.end)) is not None]


def _chunks(sentences: tuple[Span, ...]) -> list[tuple[Span, ...]]:
    """Group a paragraph's sentences into passages of bounded size."""
    chunks: list[tuple[Span, ...]] = []
    current: list[Span] = []
    for sentence in sentences:
        if current and (len(current) >= MAX_PASSAGE_SENTENCES or sentence.end - current[0].start > MAX_PASSAGE_CHARS):
            chunks.append(tuple(current))
            current = []
        current.append(sentence)
    if current:
        chunks.append(tuple(current))
    return chunks
