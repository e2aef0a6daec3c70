"""Rendering and writing: front matter that reads back exactly, ids, atomic writes, removal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.errors import IngestError
from bot.ingest.convert import Draft, make_draft
from bot.ingest.write import (
    Overrides,
    choose_target,
    remove_document,
    render_knowledge_file,
    slugify,
    verify_rendered,
    write_document,
)
from bot.knowledge.documents import parse_document
from bot.knowledge.loader import load_knowledge
from tests.conftest import front_matter, make_kb


def draft(**fields: object) -> Draft:
    values: dict = {
        "title": "A title",
        "author": "A. Writer",
        "publisher": "The Paper",
        "url": None,
        "published": None,
        "body": "First paragraph.\n\nSecond paragraph.",
        "source": "notes.txt",
        "kind": "text",
    }
    values.update(fields)
    return make_draft(**values)


def parse(text: str, name: str = "x.md"):
    result = parse_document(name, text, "", name[:-3])
    assert result.problems == (), result.problems
    return result.document


@pytest.mark.parametrize(
    "title",
    [
        'He said: "yes" # not a comment',
        "yes",
        "null",
        "2025",
        "- starts like a list item",
        "@at and `backtick` and & and * and ! and % and |",
        "back\\slash \\n not a newline",
        "emoji 👩‍🔬 with a joiner and a\u2028line separator and \u0085next line",
        "{not: a mapping}",
        "[not, a, list]",
        "---",
        "'single quotes'",
    ],
)
def test_every_value_reads_back_exactly(title: str):
    d = draft(title=title, author=title, publisher=title)
    document = parse(render_knowledge_file(d, Overrides(), doc_id="x", added_at="2025-01-31T10:00:00Z"))
    assert document.meta.title == d.title
    assert document.meta.author == d.author
    assert document.meta.added_at == "2025-01-31T10:00:00Z"
    assert document.meta.source == "notes.txt"
    assert document.doc_id == "x"


def test_control_characters_and_line_breaks_in_metadata_become_spaces():
    d = draft(title="Two\nlines\tand\x07a bell")
    assert d.title == "Two lines and a bell"


def test_overrides_win_and_the_optional_fields_are_written():
    d = draft(url="https://example.org/a", published="2024-01-02", extra=(("section", "Opinion"), ("tags", ("a", "b"))))
    text = render_knowledge_file(
        d, Overrides(author="Someone Else", published="2024-02-03", added_by="mod#0001"), doc_id="x"
    )
    meta = parse(text).meta
    assert (meta.title, meta.author, meta.published) == ("A title", "Someone Else", "2024-02-03")
    assert (meta.url, meta.section, meta.tags, meta.added_by) == (
        "https://example.org/a",
        "Opinion",
        ("a", "b"),
        "mod#0001",
    )


def test_missing_required_fields_are_named():
    with pytest.raises(IngestError, match="has no author or publisher; give them"):
        render_knowledge_file(draft(author=None, publisher=None), Overrides())
    text = render_knowledge_file(draft(author=None, publisher=None), Overrides(author="A", publisher="P"))
    assert parse(text).meta.publisher == "P"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (Overrides(published="yesterday"), "published must be a date"),
        (Overrides(doc_id="Not An Id"), "id must be lower-case"),
        (Overrides(url="ftp://x"), "url must start with http"),
    ],
)
def test_malformed_overrides_are_refused(overrides: Overrides, message: str):
    with pytest.raises(IngestError, match=message):
        render_knowledge_file(draft(), overrides)


def test_verification_refuses_text_whose_paragraphs_changed():
    d = draft()
    text = render_knowledge_file(d, Overrides(), doc_id="x")
    assert verify_rendered(text, d, "x.md").body.strip() == d.body
    with pytest.raises(IngestError, match="would not read back exactly"):
        verify_rendered(text.replace("Second paragraph.", "Second paragraph, edited."), d, "x.md")
    with pytest.raises(IngestError, match="would not load"):
        verify_rendered(text.replace("author:", "autor:"), d, "x.md")


def test_slugs():
    assert slugify("Café déjà vu — the 2024 review!") == "cafe-deja-vu-the-2024-review"
    assert slugify("東京の天気") == ""
    long = slugify("word " * 40)
    assert len(long) <= 60 and not long.endswith("-")


def test_a_new_document_gets_a_free_id(tmp_path: Path):
    kb = make_kb(tmp_path / "kb", {"a-title.md": front_matter() + "\nBody.\n", "a-title-2.md": "broken"})
    target = choose_target(kb, draft(source="https://example.org/new"), Overrides())
    assert (target.doc_id, target.path, target.replaces) == ("a-title-3", kb / "a-title-3.md", None)
    untitled = choose_target(kb, draft(title="東京", source="https://example.org/reports/tokyo-2024.html"), Overrides())
    assert untitled.doc_id == "tokyo-2024"


def test_the_same_source_reuses_the_document_it_made(tmp_path: Path):
    existing = front_matter(source='"https://example.org/a"', id="chosen") + "\nBody.\n"
    kb = make_kb(tmp_path / "kb", {"sub/old-name.md": existing})
    for source in ("https://example.org/a", "https://EXAMPLE.org:443/a/#part"):
        target = choose_target(kb, draft(title="A new title", source=source), Overrides())
        assert (target.doc_id, target.path) == ("chosen", kb / "sub" / "old-name.md")
        assert target.replaces is not None
    with pytest.raises(IngestError, match="already document 'chosen'"):
        choose_target(kb, draft(source="https://example.org/a"), Overrides(doc_id="other"))


def test_a_given_id_of_an_existing_document_replaces_it(tmp_path: Path):
    kb = make_kb(tmp_path / "kb", {"report.md": front_matter() + "\nBody.\n"})
    target = choose_target(kb, draft(source="report-v2.pdf"), Overrides(doc_id="report"))
    assert target.path == kb / "report.md" and target.replaces is not None


def test_write_is_exact_and_leaves_no_temporary_file(tmp_path: Path):
    kb = make_kb(tmp_path / "kb", {})
    text = render_knowledge_file(draft(), Overrides(), doc_id="x")
    path = write_document(kb, text, "x.md")
    assert path == kb / "x.md"
    assert path.read_bytes() == text.encode()
    assert sorted(os.listdir(kb)) == ["x.md"]
    result = load_knowledge(kb)
    assert result.problems == () and [d.doc_id for d in result.documents] == ["x"]


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failed_write_leaves_the_old_file_and_nothing_else(tmp_path: Path, monkeypatch, failing: str):
    kb = make_kb(tmp_path / "kb", {"x.md": front_matter() + "\nOld body.\n"})
    before = (kb / "x.md").read_bytes()
    seen: list[tuple[str, list[str], tuple]] = []
    real_replace = os.replace

    def broken(*args: object, **kwargs: object) -> None:
        if failing == "replace":
            temp = Path(str(args[0]))
            loaded = load_knowledge(kb)  # a reload racing the write sees the old file only
            seen.append((temp.name, [d.doc_id for d in loaded.documents], loaded.errors))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, broken)
    with pytest.raises(IngestError, match=r"could not write .*No space left on device"):
        write_document(kb, render_knowledge_file(draft(), Overrides(), doc_id="x"), "x.md")
    monkeypatch.setattr(os, "replace", real_replace)
    assert (kb / "x.md").read_bytes() == before
    assert sorted(os.listdir(kb)) == ["x.md"]
    if failing == "replace":
        ((temp_name, ids, errors),) = seen
        assert not temp_name.endswith(".md")
        assert ids == ["x"] and errors == ()


def test_a_new_file_never_overwrites_one_that_appeared(tmp_path: Path):
    kb = make_kb(tmp_path / "kb", {"x.md": "someone else's file"})
    with pytest.raises(IngestError, match="already exists"):
        write_document(kb, render_knowledge_file(draft(), Overrides(), doc_id="x"), "x.md", overwrite=False)
    assert (kb / "x.md").read_text() == "someone else's file"
    assert sorted(os.listdir(kb)) == ["x.md"]


@pytest.mark.parametrize("name", ["../outside.md", "/tmp/abs.md", ".hidden.md", "notes.txt", "sub/../../x.md"])
def test_only_visible_md_files_inside_the_folder_are_written(tmp_path: Path, name: str):
    kb = make_kb(tmp_path / "kb", {})
    with pytest.raises(IngestError):
        write_document(kb, "text", name)
    assert os.listdir(kb) == []
    assert not (tmp_path / "outside.md").exists()


def test_remove_by_id_including_a_broken_file(tmp_path: Path):
    kb = make_kb(
        tmp_path / "kb",
        {"keep.md": front_matter() + "\nBody.\n", "sub/gone.md": front_matter(id="by-id") + "\nBody.\n", "bad.md": "x"},
    )
    assert remove_document(kb, "by-id") == kb / "sub" / "gone.md"
    assert remove_document(kb, "bad") == kb / "bad.md"
    assert [d.doc_id for d in load_knowledge(kb).documents] == ["keep"]
    with pytest.raises(IngestError, match="no document with id 'nothing'"):
        remove_document(kb, "nothing")
    with pytest.raises(IngestError, match="id must be"):
        remove_document(kb, "../keep")
    assert (kb / "keep.md").exists()
