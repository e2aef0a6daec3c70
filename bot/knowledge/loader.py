"""The only code that reads knowledge files: folder walk, guards, and per-file parsing.

Every file the walk meets is either loaded or reported (``file:line: message``); nothing is
skipped silently, no symbolic link is followed out of the folder, and a file too large,
binary or not UTF-8 is refused before it is parsed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bot.errors import KnowledgeProblem, Severity
from bot.knowledge.documents import Document, digest_of, parse_document

__all__ = [
    "CACHE_DIR_NAME",
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "LoadResult",
    "load_knowledge",
]

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_FILES = 50_000
CACHE_DIR_NAME = ".cache"
_OVER_LIMIT = f"over the {MAX_FILE_BYTES // 1_048_576} MiB limit for one document; split it into several files"
_TEMP_SUFFIXES = (".swp", ".swo", ".swx", ".tmp", ".bak", ".orig", ".rej", ".part", "~")


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Documents that loaded, and every problem met on the way."""

    documents: tuple[Document, ...]
    problems: tuple[KnowledgeProblem, ...] = ()
    skipped: tuple[str, ...] = field(default=())

    @property
    def errors(self) -> tuple[KnowledgeProblem, ...]:
        """Problems that kept a file out (notices about ignored files are not errors)."""
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)


class Restorer(Protocol):
    """Rebuilds a Document from a cache entry when the file's hash matches (no parsing)."""

    def restore(self, text: str) -> Document: ...


def load_knowledge(
    root: str | os.PathLike[str],
    *,
    previous: Mapping[str, Document] | None = None,
    cached: Mapping[tuple[str, str], Restorer] | None = None,
) -> LoadResult:
    """Read every ``.md`` file below ``root``.

    ``previous`` maps a file's display path to the Document loaded from it last time, and
    ``cached`` maps (display path, content hash) to an index-cache entry: a file whose bytes
    hash the same is reused or restored without parsing again. Bad files are reported and
    left out; the caller decides whether a partial load may serve (``--skip-bad``).
    """
    display_root = os.fspath(root)
    root_path = Path(root)
    if not root_path.is_dir():
        reason = "does not exist" if not root_path.exists() else "is not a folder"
        raise NotADirectoryError(f"{display_root}: knowledge folder {reason}")
    real_root = root_path.resolve()
    problems: list[KnowledgeProblem] = []
    documents: list[Document] = []
    skipped: list[str] = []
    ids: dict[str, str] = {}
    previous = previous or {}
    cached = cached or {}

    for entry, shown in _walk(root_path, real_root, display_root, problems, top=True):
        if len(documents) + len(skipped) >= MAX_FILES:
            problems.append(
                KnowledgeProblem(
                    shown, 1, f"more than {MAX_FILES:,} knowledge files; this one and the rest were not read"
                )
            )
            skipped.append(shown)
            break
        result = _read_one(entry, shown, previous.get(shown), cached)
        if isinstance(result, list):
            problems.extend(result)
            skipped.append(shown)
            continue
        if result.doc_id in ids:
            problems.append(
                KnowledgeProblem(
                    shown, 1, f"duplicate document id '{result.doc_id}' (already used by {ids[result.doc_id]})"
                )
            )
            skipped.append(shown)
            continue
        ids[result.doc_id] = shown
        documents.append(result)
    return LoadResult(tuple(documents), tuple(problems), tuple(skipped))


def _walk(
    folder: Path, real_root: Path, shown_root: str, problems: list[KnowledgeProblem], *, top: bool = False
) -> Iterator[tuple[Path, str]]:
    """Yield (path, display path) of candidate documents in a stable, sorted order."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        problems.append(KnowledgeProblem(shown_root, 1, f"cannot list folder: {exc.strerror or exc}"))
        return
    for entry in entries:
        shown = os.path.join(shown_root, entry.name)
        path = Path(entry.path)
        if top and entry.name == CACHE_DIR_NAME:
            continue  # our own index cache
        if entry.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(real_root):
                problems.append(
                    KnowledgeProblem(shown, 1, "symbolic link points outside the knowledge folder; not followed")
                )
                continue
            if target.is_dir():
                problems.append(_notice(shown, "symbolic link to a folder; not followed"))
                continue
        if entry.name.startswith("."):
            problems.append(_notice(shown, "hidden file or folder; ignored"))
            continue
        if _is_temp(entry.name):
            problems.append(_notice(shown, "editor backup or temporary file; ignored"))
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk(path, real_root, shown, problems)
            continue
        if not entry.name.lower().endswith(".md"):
            problems.append(_notice(shown, "not a Markdown (.md) file; ignored"))
            continue
        yield path, shown


def _is_temp(name: str) -> bool:
    return name.endswith(_TEMP_SUFFIXES) or (name.startswith("#") and name.endswith("#"))


def _slug(stem: str) -> str:
    """A document id from a file name: lower case, runs of other characters as '-'."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", stem.lower()).strip("-.")
    return slug[:100] or "document"


def _notice(shown: str, message: str) -> KnowledgeProblem:
    return KnowledgeProblem(shown, 1, message, Severity.NOTICE)


def _read_one(
    path: Path, shown: str, previous: Document | None, cached: Mapping[tuple[str, str], Restorer]
) -> Document | list[KnowledgeProblem]:
    """Guard, read, decode and parse one file (or reuse the unchanged previous Document)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return [KnowledgeProblem(shown, 1, f"file is {size / 1_048_576:.1f} MiB, {_OVER_LIMIT}")]
        if not path.is_file():
            return [KnowledgeProblem(shown, 1, "not a regular file")]
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return [KnowledgeProblem(shown, 1, f"cannot read file: {exc.strerror or exc}")]
    if len(data) > MAX_FILE_BYTES:
        return [
            KnowledgeProblem(shown, 1, f"file is over the {MAX_FILE_BYTES // 1_048_576} MiB limit for one document")
        ]
    digest = digest_of(data)
    if previous is not None and previous.digest == digest:
        return previous
    nul = data.find(b"\x00")
    if nul >= 0:
        return [KnowledgeProblem(shown, data.count(b"\n", 0, nul) + 1, "binary file (NUL byte), not UTF-8 text")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return [
            KnowledgeProblem(
                shown, line, f"not UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded; save the file as UTF-8"
            )
        ]
    text = text.replace("\r\n", "\n")
    restorer = cached.get((shown, digest))
    if restorer is not None:
        return restorer.restore(text[1:] if text.startswith("\ufeff") else text)
    default_id = _slug(path.name[: -len(".md")])
    result = parse_document(shown, text, digest, default_id)
    if result.document is None:
        return list(result.problems)
    return result.document
