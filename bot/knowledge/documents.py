"""One knowledge file -> one Document: front matter validated, body kept byte for byte.

The front matter is read from YAML parser events rather than ``yaml.safe_load`` so that
every problem carries its line number, anchors and aliases (the "billion laughs") are
refused before anything is built, and scalars keep the text that was written ("yes" stays
"yes", "2025" stays "2025") instead of YAML 1.1's guesses.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

import yaml

from bot.errors import KnowledgeProblem

__all__ = [
    "FIELDS",
    "REQUIRED_FIELDS",
    "Document",
    "Metadata",
    "ParseResult",
    "parse_document",
]

REQUIRED_FIELDS = ("title", "author", "publisher")
_TEXT_FIELDS = (
    "title",
    "author",
    "publisher",
    "author_bio",
    "url",
    "published",
    "section",
    "photo_caption",
    "disclaimer",
    "source",
    "added_by",
    "added_at",
    "id",
)
FIELDS = (*_TEXT_FIELDS, "tags")
MAX_FRONT_MATTER_CHARS = 64 * 1024
MAX_FIELD_CHARS = 4000
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_URL = re.compile(r"^https?://[^\s<>]+$")
_FENCE = re.compile(r"^---[ \t]*$")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")


@dataclass(frozen=True, slots=True)
class Metadata:
    """What the front matter says about a document; absent optional fields are None."""

    title: str
    author: str
    publisher: str
    author_bio: str | None = None
    url: str | None = None
    published: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    photo_caption: str | None = None
    disclaimer: str | None = None
    source: str | None = None  # provenance written by bot.ingest: where the text came from,
    added_by: str | None = None  # who asked for it to be added,
    added_at: str | None = None  # and when (UTC, ISO 8601)


@dataclass(frozen=True, slots=True)
class Document:
    """A validated knowledge file; ``body`` is the exact text after the front matter."""

    doc_id: str
    path: str
    meta: Metadata
    body: str
    body_line: int
    digest: str


@dataclass(frozen=True, slots=True)
class ParseResult:
    """Either a document or the problems that kept it out."""

    document: Document | None
    problems: tuple[KnowledgeProblem, ...]


def digest_of(data: bytes) -> str:
    """Content hash used to recognise unchanged files across reloads and restarts."""
    return hashlib.sha256(data).hexdigest()


def parse_document(path: str, text: str, digest: str, default_id: str) -> ParseResult:
    """Split the front matter from the body and validate both.

    ``path`` is only used in messages; ``text`` is the decoded file; ``default_id`` is the
    document id when the front matter gives none (the file name without ``.md``).
    """
    problems: list[KnowledgeProblem] = []
    reported: set[str] = set()

    def problem(line: int, message: str, field: str = "") -> None:
        problems.append(KnowledgeProblem(path, line, message))
        reported.add(field)

    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0].rstrip("\r")):
        problem(1, "no front matter: the file must start with a '---' line, then title, author and publisher")
        return ParseResult(None, tuple(problems))
    close = next(
        (i for i in range(1, len(lines)) if _CLOSE.match(lines[i].rstrip("\r"))),
        None,
    )
    if close is None:
        problem(1, "front matter is not closed: add a '---' line after the last field")
        return ParseResult(None, tuple(problems))
    front = "\n".join(lines[1:close])
    if len(front) > MAX_FRONT_MATTER_CHARS:
        problem(2, f"front matter is {len(front):,} characters, over the {MAX_FRONT_MATTER_CHARS:,} limit")
        return ParseResult(None, tuple(problems))
    fields = _read_fields(front, first_line=2, problem=problem)
    body = "\n".join(lines[close + 1 :])
    body_line = close + 2
    if fields is None:
        return ParseResult(None, tuple(problems))

    values: dict[str, object] = {}
    for name, (value, line) in fields.items():
        if name not in FIELDS:
            problem(line, f"unknown field '{name}' (known fields: {', '.join(FIELDS)})")
            continue
        if name == "tags":
            if isinstance(value, str):
                value = [t.strip() for t in value.split(",") if t.strip()]
            values[name] = tuple(value)
            continue
        if not isinstance(value, str):
            problem(line, f"field '{name}' must be text, not a list", name)
            continue
        value = value.strip()
        if len(value) > MAX_FIELD_CHARS:
            problem(line, f"field '{name}' is {len(value):,} characters, over the {MAX_FIELD_CHARS:,} limit", name)
            continue
        if not value:
            continue
        if name == "url" and not _URL.match(value):
            problem(line, f"field 'url' must start with http:// or https:// and have no spaces, got {value[:80]!r}")
            continue
        if name == "id" and not _ID.match(value):
            problem(line, "field 'id' must be lower-case letters, digits, '.', '_' or '-' (at most 100)")
            continue
        values[name] = value
    for name in REQUIRED_FIELDS:
        if name not in values and name not in reported:
            line = fields[name][1] if name in fields else close + 1
            problem(line, f"missing required field '{name}'")
    if not body.strip():
        problem(body_line, "empty body: write the document's paragraphs after the front matter")
    if problems:
        return ParseResult(None, tuple(problems))

    doc_id = str(values.pop("id", default_id))
    meta = Metadata(**values)  # type: ignore[arg-type]  # keys were checked against FIELDS
    document = Document(
        doc_id=doc_id,
        path=path,
        meta=meta,
        body=body,
        body_line=body_line,
        digest=digest,
    )
    return ParseResult(document, ())


def _read_fields(
    front: str, first_line: int, problem: Callable[[int, str], None]
) -> dict[str, tuple[object, int]] | None:
    """Read a flat YAML mapping of text or lists of text from parser events.

    Returns None (after reporting) when the YAML is malformed or not of that shape.
    """
    fields: dict[str, tuple[object, int]] = {}
    try:
        events = list(yaml.parse(front, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        line, reason = _yaml_problem(exc, front, first_line)
        problem(line, f"bad YAML in front matter: {reason}")
        return None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        problem(first_line, f"bad YAML in front matter: {type(exc).__name__}")
        return None

    body = [e for e in events if not isinstance(e, (yaml.StreamStartEvent, yaml.StreamEndEvent))]
    documents = [e for e in body if isinstance(e, yaml.DocumentStartEvent)]
    if len(documents) > 1:
        problem(first_line, "front matter holds more than one YAML document")
        return None
    content = [e for e in body if not isinstance(e, (yaml.DocumentStartEvent, yaml.DocumentEndEvent))]
    if not content:
        problem(first_line, "front matter is empty: add title, author and publisher")
        return None
    for event in content:
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            problem(first_line + event.start_mark.line, "YAML anchors and aliases are not allowed in front matter")
            return None
    if not isinstance(content[0], yaml.MappingStartEvent):
        problem(first_line + content[0].start_mark.line, "front matter must be 'field: value' lines")
        return None

    i = 1
    while i < len(content) and not isinstance(content[i], yaml.MappingEndEvent):
        key_event = content[i]
        line = first_line + key_event.start_mark.line
        if not isinstance(key_event, yaml.ScalarEvent):
            problem(line, "front matter keys must be plain names")
            return None
        key = key_event.value
        i += 1
        value_event = content[i]
        value: object
        if isinstance(value_event, yaml.ScalarEvent):
            value = value_event.value
            i += 1
        elif isinstance(value_event, yaml.SequenceStartEvent):
            items: list[str] = []
            i += 1
            while not isinstance(content[i], yaml.SequenceEndEvent):
                item = content[i]
                if not isinstance(item, yaml.ScalarEvent):
                    problem(first_line + item.start_mark.line, f"field '{key}' must be a list of text")
                    return None
                items.append(item.value)
                i += 1
            value = items
            i += 1
        else:
            problem(line, f"field '{key}' must be text or a list of text, not a mapping")
            return None
        if key in fields:
            problem(line, f"field '{key}' appears twice (first on line {fields[key][1]})")
            continue
        fields[key] = (value, line)
    return fields


_UNCLOSED = {
    "while scanning a quoted scalar": "unclosed quote: the {opener} on this line has no closing {closer}",
    "while parsing a flow sequence": "unclosed list: the {opener} on this line has no closing {closer}",
    "while parsing a flow mapping": "unclosed braces: the {opener} on this line has no closing {closer}",
}
_CLOSER = {'"': '"', "'": "'", "[": "]", "{": "}"}


def _yaml_problem(exc: yaml.MarkedYAMLError, front: str, first_line: int) -> tuple[int, str]:
    """The line to report and why.

    PyYAML notices an unclosed quote or bracket only where the text runs out or the next
    field begins ("found unexpected end of stream" on the last line); the mistake is on the
    line where it was opened.
    """
    context, mark = exc.context_mark, exc.problem_mark
    if exc.context in _UNCLOSED and context is not None:
        opener = front[context.index : context.index + 1]
        ran_out = "end of stream" in (exc.problem or "") or "stream end" in (exc.problem or "")
        if opener in _CLOSER and (ran_out or (mark is not None and mark.line != context.line)):
            return first_line + context.line, _UNCLOSED[exc.context].format(opener=opener, closer=_CLOSER[opener])
    mark = mark or context
    return first_line + (mark.line if mark else 0), exc.problem or exc.context or "malformed YAML"
