"""prepare + commit end to end: a page or file becomes one knowledge file that loads cleanly."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import IngestError
from bot.ingest import Overrides, commit, prepare, remove_document
from bot.knowledge.loader import load_knowledge
from bot.knowledge.passages import split_passages
from tests.conftest import ROOT, make_kb
from tests.ingest.conftest import DATA, Site, make_pdf, page
from tests.ingest.test_convert import NEWS_PARAGRAPHS

WHEN = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)


def loaded(kb: Path):
    result = load_knowledge(kb)
    assert result.problems == (), [str(p) for p in result.problems]
    return {d.doc_id: d for d in result.documents}


def cited_paragraphs(document) -> tuple[str, ...]:
    passages = [p for p in split_passages(document) if not p.is_about]
    by_number: dict[int, list[str]] = {}
    for passage in passages:
        by_number.setdefault(passage.paragraph, []).append(passage.text)
    return tuple(" ".join(parts) for _, parts in sorted(by_number.items()))


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    shipped = (ROOT / "knowledge" / "eu-japan-defence-partnership.md").read_text("utf-8")
    return make_kb(tmp_path / "knowledge", {"eu-japan-defence-partnership.md": shipped})


def test_a_page_becomes_one_knowledge_file_that_loads_with_no_problems(site: Site, kb: Path):
    site.routes["/trout"] = page((DATA / "news-article.html").read_bytes())
    url = site.url("/trout")
    prepared = prepare(url, knowledge_dir=kb, allow_private=True, overrides=Overrides(added_by="mod"), added_at=WHEN)
    assert prepared.missing == ()
    assert prepared.replaces is False
    assert prepared.path == kb / "native-trout-return-to-lake-varn-after-a-decade-of.md"
    assert not prepared.path.exists()  # prepare writes nothing
    assert commit(prepared, kb) == prepared.path
    documents = loaded(kb)
    document = documents[prepared.doc_id]
    assert set(documents) == {"eu-japan-defence-partnership", prepared.doc_id}
    assert (document.meta.title, document.meta.author, document.meta.publisher) == (
        "Native trout return to Lake Varn after a decade of restoration",
        "Maren Holt",
        "The Northern Ledger",
    )
    assert (document.meta.source, document.meta.added_by, document.meta.added_at) == (
        url,
        "mod",
        "2025-03-01T12:30:00Z",
    )
    assert document.meta.published == "2024-06-18"
    assert document.meta.url == url  # the page's canonical is on another host than 127.0.0.1
    assert cited_paragraphs(document) == NEWS_PARAGRAPHS
    assert sorted(os.listdir(kb)) == sorted(["eu-japan-defence-partnership.md", prepared.path.name])


def test_adding_the_same_url_again_updates_that_document(site: Site, kb: Path):
    html = (DATA / "news-article.html").read_bytes()
    site.routes["/trout"] = page(html)
    first = commit(prepare(site.url("/trout"), knowledge_dir=kb, allow_private=True), kb)
    site.routes["/trout"] = page(html.replace(b"fifteen years ago", b"sixteen years ago"))
    again = prepare(site.url("/trout#latest"), knowledge_dir=kb, allow_private=True)
    assert again.replaces is True
    assert again.path == first
    commit(again, kb)
    documents = loaded(kb)
    assert len(documents) == 2
    assert "sixteen years ago" in documents[again.doc_id].body
    assert "fifteen" not in documents[again.doc_id].body


def test_private_addresses_are_refused_unless_allowed(site: Site, kb: Path):
    site.routes["/trout"] = page((DATA / "news-article.html").read_bytes())
    with pytest.raises(IngestError, match="loopback"):
        prepare(site.url("/trout"), knowledge_dir=kb, allow_private=False)
    assert site.requests == []


def test_missing_fields_are_listed_and_commit_refuses_until_given(site: Site, kb: Path):
    site.routes["/oven"] = page((DATA / "blog-post.html").read_bytes())
    prepared = prepare(site.url("/oven"), knowledge_dir=kb, allow_private=True)
    assert prepared.missing == ("publisher",)
    assert prepared.text is None
    with pytest.raises(IngestError, match="no publisher"):
        commit(prepared, kb)
    assert not prepared.path.exists()
    given = prepare(site.url("/oven"), knowledge_dir=kb, allow_private=True, overrides=Overrides(publisher="Crumb"))
    commit(given, kb)
    assert loaded(kb)[given.doc_id].meta.publisher == "Crumb"
    # adding it again later needs no --publisher: the document already has one
    again = prepare(site.url("/oven"), knowledge_dir=kb, allow_private=True)
    assert again.replaces and again.missing == ()
    assert again.draft.publisher == "Crumb"


def test_a_text_file_with_overrides(kb: Path):
    data = "\ufeffFirst paragraph.\r\n\r\nSecond paragraph.\r\n".encode()
    prepared = prepare(
        data,
        filename="C:\\Users\\mod\\notes.txt",
        knowledge_dir=kb,
        overrides=Overrides(title="Meeting notes", author="The Board", publisher="Club", doc_id="notes"),
    )
    path = commit(prepared, kb)
    assert path == kb / "notes.md"
    document = loaded(kb)["notes"]
    assert cited_paragraphs(document) == ("First paragraph.", "Second paragraph.")
    assert document.meta.source == "notes.txt"


def test_a_pdf_upload(kb: Path):
    pdf = make_pdf([["A report that says", "one thing.", "", "And another."]], title="Report", author="Jo")
    prepared = prepare(pdf, filename="report.pdf", knowledge_dir=kb, overrides=Overrides(publisher="Council"))
    commit(prepared, kb)
    assert cited_paragraphs(loaded(kb)[prepared.doc_id]) == ("A report that says one thing.", "And another.")


def test_a_knowledge_file_passes_through_with_its_body_byte_for_byte(kb: Path):
    body = "First *paragraph*.\n\n## Part\n\n- a list item\n- another\n"
    text = f"---\ntitle: Mine\nauthor: Me\npublisher: Us\nsection: Notes\n---\n\n{body}"
    prepared = prepare(text.encode(), filename="mine.md", knowledge_dir=kb)
    commit(prepared, kb)
    document = loaded(kb)["mine"]
    assert document.body == "\n" + body
    assert document.meta.section == "Notes"


def test_a_markdown_page_served_as_plain_text_is_markdown(site: Site, kb: Path):
    site.routes["/docs/guide.md"] = page(b"# The guide\n\nStep one.\n", "text/plain; charset=utf-8")
    prepared = prepare(
        site.url("/docs/guide.md"), knowledge_dir=kb, allow_private=True, overrides=Overrides(author="A", publisher="B")
    )
    assert prepared.draft.title == "The guide"
    assert prepared.draft.paragraphs == ("Step one.",)


def test_commit_refuses_when_the_target_changed_after_prepare(site: Site, kb: Path):
    site.routes["/trout"] = page((DATA / "news-article.html").read_bytes())
    first = prepare(site.url("/trout"), knowledge_dir=kb, allow_private=True)
    first.path.write_text("someone was faster")
    with pytest.raises(IngestError, match="already exists"):
        commit(first, kb)
    assert first.path.read_text() == "someone was faster"
    first.path.unlink()
    commit(first, kb)
    second = prepare(site.url("/trout"), knowledge_dir=kb, allow_private=True)
    first.path.write_text(first.path.read_text() + "\nA moderator's edit.\n")
    with pytest.raises(IngestError, match="changed since it was checked"):
        commit(second, kb)
    assert "A moderator's edit." in first.path.read_text()


def test_bytes_need_a_file_name_and_remove_takes_it_out(kb: Path):
    with pytest.raises(IngestError, match="file name is needed"):
        prepare(b"text", knowledge_dir=kb)
    prepared = prepare(
        b"Text.", filename="a.txt", knowledge_dir=kb, overrides=Overrides(title="T", author="A", publisher="P")
    )
    commit(prepared, kb)
    assert remove_document(kb, prepared.doc_id) == prepared.path
    assert set(loaded(kb)) == {"eu-japan-defence-partnership"}
