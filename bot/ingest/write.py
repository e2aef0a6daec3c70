"""Draft -> knowledge file text -> a file in the knowledge folder, never half-written.

The text is checked with the knowledge format's own parser before anything touches the
disk, and its paragraphs must come back exactly as drafted. Files are written to a
temporary name in the same folder (one the loader ignores: hidden, and not ending in
.md), flushed to disk and renamed over the target, so a reload sees the old file or the
new one and never a torn one.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bot.errors import IngestError
from bot.ingest.convert import Draft, clean_field, clean_url, paragraphs_of
from bot.knowledge.documents import Document, digest_of, parse_document
from bot.knowledge.loader import MAX_FILE_BYTES, load_knowledge

__all__ = [
    "Overrides",
    "Target",
    "choose_target",
    "remove_document",
    "render_knowledge_file",
    "slugify",
    "verify_rendered",
    "write_document",
]

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_PUBLISHED = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
# Front-matter order of the written file; the optional fields a draft may carry come from
# a file that was already in our format, or from the document being replaced.
_OPTIONAL_ORDER = ("author_bio", "section", "tags", "photo_caption", "disclaimer")
_SLUG_LIMIT = 60


@dataclass(frozen=True, slots=True)
class Overrides:
    """What the person adding the document says, which wins over anything extracted."""

    title: str | None = None
    author: str | None = None
    publisher: str | None = None
    url: str | None = None
    published: str | None = None
    doc_id: str | None = None
    added_by: str | None = None

    def checked(self) -> Overrides:
        """The same values cleaned to one line each; IngestError naming a malformed one."""
        url = self.url.strip() if self.url else None
        if url and not clean_url(url):
            raise IngestError("url must start with http:// or https:// and have no spaces")
        published = self.published.strip() if self.published else None
        if published and not _PUBLISHED.match(published):
            raise IngestError(f"published must be a date like 2025-01-31, not {published[:40]!r}")
        doc_id = self.doc_id.strip() if self.doc_id else None
        if doc_id and not _ID.match(doc_id):
            raise IngestError("id must be lower-case letters, digits, '.', '_' or '-' (at most 100)")
        return Overrides(
            title=clean_field(self.title),
            author=clean_field(self.author),
            publisher=clean_field(self.publisher),
            url=url or None,
            published=published or None,
            doc_id=doc_id or None,
            added_by=clean_field(self.added_by, limit=200),
        )


def apply_overrides(draft: Draft, overrides: Overrides) -> Draft:
    """The draft with the person's values in place of the extracted ones."""
    title = overrides.title or draft.title
    author = overrides.author or draft.author
    publisher = overrides.publisher or draft.publisher
    values = {"title": title, "author": author, "publisher": publisher}
    return replace(
        draft,
        title=title,
        author=author,
        publisher=publisher,
        url=overrides.url or draft.url,
        published=overrides.published or draft.published,
        missing=tuple(name for name in ("title", "author", "publisher") if not values[name]),
    )


def yaml_quote(value: str) -> str:
    """A YAML double-quoted scalar that reads back as exactly ``value``."""
    out = ['"']
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif unicodedata.category(ch)[0] == "C" or ch in "\x85\u2028\u2029":
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def render_knowledge_file(
    draft: Draft, overrides: Overrides, *, doc_id: str | None = None, added_at: str | None = None
) -> str:
    """The whole knowledge file: front matter (every value quoted) and the draft's body.

    ``source`` records what the document was made from and is how adding the same source
    again finds it; ``id`` is written out so that renaming the file cannot change it.
    Raises IngestError when a required field is still missing.
    """
    overrides = overrides.checked()
    merged = apply_overrides(draft, overrides)
    if merged.missing:
        raise IngestError(f"the document has no {_and(merged.missing)}; give {_them(merged.missing)} to add it")
    fields: list[tuple[str, str | tuple[str, ...]]] = [
        ("title", merged.title or ""),
        ("author", merged.author or ""),
        ("publisher", merged.publisher or ""),
    ]
    extra = dict(merged.extra)
    fields += [(name, extra[name]) for name in _OPTIONAL_ORDER if extra.get(name)]
    if merged.url:
        fields.append(("url", merged.url))
    if merged.published:
        fields.append(("published", merged.published))
    fields.append(("source", clean_field(merged.source) or "unknown"))
    added_by = overrides.added_by or extra.get("added_by")
    if added_by:
        fields.append(("added_by", added_by))
    if added_at or extra.get("added_at"):
        fields.append(("added_at", added_at or extra["added_at"]))
    chosen_id = doc_id or overrides.doc_id or merged.doc_id
    if chosen_id:
        fields.append(("id", chosen_id))
    lines = ["---"]
    for name, value in fields:
        if isinstance(value, tuple):
            lines.append(f"{name}: [{', '.join(yaml_quote(v) for v in value)}]")
        else:
            lines.append(f"{name}: {yaml_quote(value)}")
    lines.append("---")
    return "\n".join(lines) + "\n\n" + merged.body.strip("\n") + "\n"


def _and(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _them(names: tuple[str, ...]) -> str:
    return "it" if len(names) == 1 else "them"


def verify_rendered(text: str, draft: Draft, file_name: str) -> Document:
    """Parse ``text`` as the loader will and insist on zero problems and the same paragraphs."""
    size = len(text.encode("utf-8"))
    if size > MAX_FILE_BYTES:
        raise IngestError(
            f"the document would be {size / 1_048_576:.1f} MB, over the "
            f"{MAX_FILE_BYTES // 1_048_576} MB limit for one knowledge file"
        )
    default_id = _loader_id(Path(file_name).name[: -len(".md")])
    result = parse_document(file_name, text, digest_of(text.encode("utf-8")), default_id)
    if result.document is None:
        raise IngestError(f"the new file would not load ({result.problems[0]}); nothing was written")
    if paragraphs_of(result.document.body) != draft.paragraphs:
        raise IngestError("the paragraphs would not read back exactly as extracted; nothing was written")
    return result.document


# --- where it goes ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """Where a draft will be written, and the document it replaces (if any)."""

    doc_id: str
    path: Path
    replaces: Document | None
    replaced_digest: str | None


def slugify(text: str) -> str:
    """A readable id from a title: ASCII letters and digits joined by '-', at most 60."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > _SLUG_LIMIT:
        slug = slug[:_SLUG_LIMIT].rsplit("-", 1)[0] or slug[:_SLUG_LIMIT]
    return slug


def _loader_id(stem: str) -> str:
    """The id the loader gives a file without an ``id`` field (mirrors bot.knowledge.loader)."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", stem.lower()).strip("-.")
    return slug[:100] or "document"


def same_source(a: str | None, b: str | None) -> bool:
    """Two sources name the same thing: URLs compared without fragment, case of host, default port."""
    if not a or not b:
        return False
    return _source_key(a) == _source_key(b)


def _source_key(value: str) -> str:
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return value
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return value
    scheme = parts.scheme.lower()
    netloc = parts.hostname
    if parts.port and parts.port != {"http": 80, "https": 443}[scheme]:
        netloc += f":{parts.port}"
    return urlunsplit((scheme, netloc, parts.path.rstrip("/") or "/", parts.query, ""))


def choose_target(knowledge_dir: Path, draft: Draft, overrides: Overrides) -> Target:
    """Reuse the file of a document with the same source (or the given id); else a new free id.

    A new document's id is the given one, the file's own, or a slug of the title (then of
    the source); a slug already taken gets -2, -3, ….
    """
    overrides = overrides.checked()
    try:
        loaded = load_knowledge(knowledge_dir)
    except (NotADirectoryError, OSError) as exc:
        raise IngestError(str(exc)) from None
    by_id = {d.doc_id: d for d in loaded.documents}
    match = next(
        (
            d
            for d in loaded.documents
            if same_source(d.meta.source, draft.source)
            or same_source(d.meta.url, draft.source)
            or (draft.url is not None and same_source(d.meta.url, draft.url))
        ),
        None,
    )
    if match is not None:
        if overrides.doc_id and overrides.doc_id != match.doc_id:
            raise IngestError(
                f"this source is already document '{match.doc_id}'; leave out the id to update it, or remove it first"
            )
        return _replacing(match)
    wanted = overrides.doc_id or draft.doc_id
    if overrides.doc_id:
        if overrides.doc_id in by_id:
            return _replacing(by_id[overrides.doc_id])
        path = Path(knowledge_dir) / f"{overrides.doc_id}.md"
        if path.exists():
            raise IngestError(f"{path} exists but does not load; fix or remove it first")
        return Target(overrides.doc_id, path, None, None)
    base = wanted or slugify(draft.title or "") or slugify(_source_stem(draft.source)) or "document"
    taken = set(by_id) | {_loader_id(Path(p).stem) for p in loaded.skipped}
    candidate, n = base, 1
    while candidate in taken or (Path(knowledge_dir) / f"{candidate}.md").exists():
        n += 1
        suffix = f"-{n}"
        candidate = base[: 100 - len(suffix)] + suffix
    return Target(candidate, Path(knowledge_dir) / f"{candidate}.md", None, None)


def _replacing(document: Document) -> Target:
    path = Path(document.path)
    try:
        digest = digest_of(path.read_bytes())
    except OSError as exc:
        raise IngestError(f"cannot read {path}: {exc.strerror or exc}") from None
    return Target(document.doc_id, path, document, digest)


def _source_stem(source: str) -> str:
    try:
        parts = urlsplit(source)
    except ValueError:
        return source
    if parts.scheme in ("http", "https"):
        last = parts.path.rstrip("/").rsplit("/", 1)[-1]
        return re.sub(r"\.[a-z0-9]{1,5}$", "", last) or (parts.hostname or "")
    return re.sub(r"\.[A-Za-z0-9]{1,9}$", "", source.rsplit("/", 1)[-1])


# --- the disk ---------------------------------------------------------------------------


def _inside(knowledge_dir: Path, file_name: str | os.PathLike[str]) -> Path:
    """The target path, refused unless it is a visible .md file inside the knowledge folder."""
    root = Path(knowledge_dir)
    if not root.is_dir():
        raise IngestError(f"{root}: knowledge folder does not exist")
    relative = Path(file_name)
    if relative.is_absolute():
        try:
            relative = relative.resolve().relative_to(root.resolve())
        except ValueError:
            raise IngestError(f"{file_name} is not inside the knowledge folder") from None
    if not relative.name.endswith(".md") or any(
        part in ("", ".", "..") or part.startswith(".") for part in relative.parts
    ):
        raise IngestError(f"{str(file_name)[:100]!r} is not a .md file name inside the knowledge folder")
    target = root / relative
    if not target.parent.resolve().is_relative_to(root.resolve()):
        raise IngestError(f"{file_name} is not inside the knowledge folder")
    if not target.parent.is_dir():
        raise IngestError(f"{target.parent}: folder does not exist")
    return target


def write_document(
    knowledge_dir: Path, text: str, file_name: str | os.PathLike[str], *, overwrite: bool = True
) -> Path:
    """Write ``text`` to ``knowledge_dir/file_name`` atomically and durably; return the path.

    With ``overwrite=False`` an existing file is never replaced (a hard link makes the
    check and the creation one step). On any failure the temporary file is removed and the
    old file, if there was one, is untouched.
    """
    target = _inside(knowledge_dir, file_name)
    data = text.encode("utf-8")
    mode = 0o644
    with contextlib.suppress(OSError):
        mode = target.stat().st_mode & 0o777
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.stem[:40]}.", suffix=".ingest-tmp", dir=target.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        if overwrite:
            os.replace(temp, target)
        else:
            _create_exclusive(temp, target)
        _sync_folder(target.parent)
    except FileExistsError:
        raise IngestError(f"{target} already exists; nothing was written") from None
    except OSError as exc:
        raise IngestError(f"could not write {target}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return target


def _create_exclusive(temp: Path, target: Path) -> None:
    try:
        os.link(temp, target)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: check, then rename
        if target.exists():
            raise FileExistsError(str(target)) from None
        os.replace(temp, target)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (where the platform can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_document(knowledge_dir: Path, doc_id: str) -> Path:
    """Delete the file of document ``doc_id`` (or a broken file that would have that id)."""
    doc_id = doc_id.strip()
    if not _ID.match(doc_id):
        raise IngestError("id must be lower-case letters, digits, '.', '_' or '-' (at most 100)")
    try:
        loaded = load_knowledge(knowledge_dir)
    except (NotADirectoryError, OSError) as exc:
        raise IngestError(str(exc)) from None
    path = next((Path(d.path) for d in loaded.documents if d.doc_id == doc_id), None)
    if path is None:
        path = next((Path(p) for p in loaded.skipped if _loader_id(Path(p).stem) == doc_id), None)
    if path is None:
        raise IngestError(f"no document with id '{doc_id}' in {knowledge_dir}")
    try:
        path.unlink()
    except OSError as exc:
        raise IngestError(f"could not remove {path}: {exc.strerror or exc}") from None
    _sync_folder(path.parent)
    return path
