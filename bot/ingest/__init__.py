"""Turning a web page or a file into one knowledge file: fetch, convert, render, write.

May import bot.knowledge and top-level bot.errors only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bot.errors import IngestError
from bot.ingest.convert import Draft, convert
from bot.ingest.fetch import MAX_BYTES, TIMEOUT_SECONDS, Fetched, fetch
from bot.ingest.write import (
    Overrides,
    apply_overrides,
    choose_target,
    remove_document,
    render_knowledge_file,
    verify_rendered,
    write_document,
)
from bot.knowledge.documents import Metadata, digest_of

__all__ = [
    "Draft",
    "Fetched",
    "IngestError",
    "Overrides",
    "Prepared",
    "commit",
    "convert",
    "fetch",
    "prepare",
    "remove_document",
    "render_knowledge_file",
    "write_document",
]

_CARRIED_OVER = ("author_bio", "section", "tags", "photo_caption", "disclaimer")


@dataclass(frozen=True, slots=True)
class Prepared:
    """Everything the caller needs to show before committing, and ``commit`` needs to write.

    ``draft`` has the overrides (and, when replacing, the old document's fields nothing
    newer gave) applied. ``text`` is None while ``missing`` names required fields.
    """

    draft: Draft
    text: str | None
    path: Path
    doc_id: str
    replaces: bool
    missing: tuple[str, ...]
    replaced_digest: str | None = None


def prepare(
    source: str | bytes,
    *,
    filename: str | None = None,
    overrides: Overrides | None = None,
    knowledge_dir: Path,
    allow_private: bool = False,
    content_type: str | None = None,
    added_at: datetime | None = None,
    max_bytes: int = MAX_BYTES,
    timeout: float = TIMEOUT_SECONDS,
) -> Prepared:
    """Fetch (a str is an http(s) URL) or read (bytes, named by ``filename``), convert, render, check.

    Nothing is written. Blocking: from the event loop, ``await asyncio.to_thread(prepare, …)``.
    ``max_bytes`` bounds the page or file, ``timeout`` the whole fetch; ``content_type`` is
    what an upload was labelled with (checked against the name and the bytes).
    Raises IngestError with one line for the person when the source cannot be added.
    """
    overrides = (overrides or Overrides()).checked()
    if isinstance(source, str):
        fetched = fetch(source, allow_private=allow_private, max_bytes=max_bytes, timeout=timeout)
        draft = convert(
            fetched.body,
            source=fetched.url,
            filename=_markdown_name(fetched),
            content_type=fetched.content_type,
            charset=fetched.charset,
            url=fetched.final_url,
            max_bytes=max_bytes,
        )
    else:
        if not filename:
            raise IngestError("a file name is needed to tell what kind of file this is")
        name = filename.replace("\\", "/").rsplit("/", 1)[-1]
        draft = convert(bytes(source), source=name, filename=name, content_type=content_type, max_bytes=max_bytes)
    target = choose_target(knowledge_dir, draft, overrides)
    if target.replaces is not None:
        draft = _carry_over(draft, target.replaces.meta)
    merged = apply_overrides(draft, overrides)
    text = None
    if not merged.missing:
        stamp = (added_at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        text = render_knowledge_file(draft, overrides, doc_id=target.doc_id, added_at=stamp)
        verify_rendered(text, merged, target.path.name)
    return Prepared(
        draft=merged,
        text=text,
        path=target.path,
        doc_id=target.doc_id,
        replaces=target.replaces is not None,
        missing=merged.missing,
        replaced_digest=target.replaced_digest,
    )


def commit(prepared: Prepared, knowledge_dir: Path) -> Path:
    """Write a prepared document; refuses if the target changed since ``prepare`` looked."""
    if prepared.text is None or prepared.missing:
        missing = ", ".join(prepared.missing) or "required fields"
        raise IngestError(f"the document has no {missing}; nothing was written")
    verify_rendered(prepared.text, prepared.draft, prepared.path.name)
    if prepared.replaces:
        try:
            current = digest_of(prepared.path.read_bytes())
        except OSError:
            current = None
        if current != prepared.replaced_digest:
            raise IngestError(f"{prepared.path} changed since it was checked; add the source again")
    relative = os.path.relpath(prepared.path, knowledge_dir)
    return write_document(knowledge_dir, prepared.text, relative, overwrite=prepared.replaces)


def _carry_over(draft: Draft, old: Metadata) -> Draft:
    """When replacing, keep what the old file said that the new source does not."""
    extra = dict(draft.extra)
    for name in _CARRIED_OVER:
        value = getattr(old, name)
        if value and name not in extra:
            extra[name] = value
    title = draft.title or old.title
    author = draft.author or old.author
    publisher = draft.publisher or old.publisher
    return replace(
        draft,
        title=title,
        author=author,
        publisher=publisher,
        url=draft.url or old.url,
        published=draft.published or old.published,
        extra=tuple(extra.items()),
        missing=tuple(n for n, v in (("title", title), ("author", author), ("publisher", publisher)) if not v),
    )


def _markdown_name(fetched: Fetched) -> str | None:
    """A text page whose URL ends in .md is Markdown (servers often call it text/plain)."""
    if fetched.content_type not in ("text/plain", "text/markdown"):
        return None
    last = urlsplit(fetched.final_url).path.rsplit("/", 1)[-1]
    return last if last.lower().endswith((".md", ".markdown")) else None
