"""python -m bot add / remove: the host's way to change the knowledge base, with /kb's checks."""

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.knowledge.loader import load_knowledge
from tests.conftest import ROOT, make_kb
from tests.ingest.conftest import DATA, Site, page
from tests.ingest.test_convert import NEWS_PARAGRAPHS

TEA = "Matcha is a powdered green tea grown in the shade near Uji.\n\nThe leaves are ground between stones.\n"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    shipped = (ROOT / "knowledge" / "eu-japan-defence-partnership.md").read_text("utf-8")
    return make_kb(tmp_path / "knowledge", {"eu-japan-defence-partnership.md": shipped})


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    yield server
    server.close()


def ids(folder: Path) -> list[str]:
    return sorted(d.doc_id for d in load_knowledge(folder).documents)


def test_add_a_page_then_ask_it_and_adding_it_again_updates_it(kb, site, monkeypatch):
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "true")
    site.routes["/trout"] = page((DATA / "news-article.html").read_bytes())
    code, out, err = run("add", site.url("/trout"), "--knowledge", str(kb), "--json")
    assert (code, err) == (0, "")
    row = json.loads(out)
    assert row["replaced"] is False and row["paragraphs"] == len(NEWS_PARAGRAPHS)
    assert (row["author"], row["publisher"]) == ("Maren Holt", "The Northern Ledger")
    assert Path(row["path"]).parent == kb and ids(kb) == sorted(["eu-japan-defence-partnership", row["doc_id"]])
    code, out, _ = run("ask", "where did volunteers remove a weir?", "--knowledge", str(kb), "--no-cache", "--top", "1")
    assert code == 0 and "northern inlet" in out and "Maren Holt" in out

    site.routes["/trout"] = page((DATA / "news-article.html").read_bytes().replace(b"northern", b"eastern"))
    code, out, _ = run("add", site.url("/trout"), "--knowledge", str(kb))
    assert code == 0 and out.startswith(f"updated {row['doc_id']}: ")
    assert len(ids(kb)) == 2
    assert "eastern inlet" in Path(row["path"]).read_text("utf-8")


def test_add_a_text_file_with_the_details_it_lacks(kb, tmp_path):
    source = tmp_path / "tea.txt"
    source.write_text(TEA, encoding="utf-8")
    code, out, err = run("add", str(source), "--knowledge", str(kb), "--title", "Matcha")
    assert code == 1 and out == ""
    assert (
        err
        == f"error: {source} does not state its author, publisher; give --author --publisher (nothing was written)\n"
    )
    assert ids(kb) == ["eu-japan-defence-partnership"]
    code, out, _ = run(
        "add",
        str(source),
        "--knowledge",
        str(kb),
        "--title",
        "Matcha",
        "--author",
        "Ann",
        "--publisher",
        "Tea Weekly",
        "--id",
        "matcha",
    )
    assert code == 0 and out == f"added matcha: Matcha (2 paragraphs) -> {kb / 'matcha.md'}\n"
    document = next(d for d in load_knowledge(kb).documents if d.doc_id == "matcha")
    assert (document.meta.author, document.meta.source, document.meta.added_by) == ("Ann", "tea.txt", "command line")


def test_refused_sources_exit_1_and_usage_errors_exit_2(kb, tmp_path, monkeypatch):
    monkeypatch.delenv("ALLOW_PRIVATE_URLS", raising=False)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    for argv in (("add", "http://127.0.0.1:9/page"), ("add", str(broken)), ("remove", "no-such-document")):
        code, out, err = run(*argv, "--knowledge", str(kb))
        assert code == 1, argv
        assert out == "" and len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
    for argv in (("add",), ("add", str(tmp_path / "missing.txt")), ("remove",)):
        code, out, err = run(*argv, "--knowledge", str(kb))
        assert code == 2, argv
        assert out == "" and len(err.strip().splitlines()) == 1
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "maybe")
    code, _, err = run("add", "http://127.0.0.1:9/page", "--knowledge", str(kb))
    assert code == 2 and "ALLOW_PRIVATE_URLS" in err
    assert ids(kb) == ["eu-japan-defence-partnership"]
    assert [p.name for p in kb.iterdir()] == ["eu-japan-defence-partnership.md"]


def test_remove_deletes_the_file_but_never_the_last_document(kb, tmp_path):
    (kb / "tea.md").write_text("---\ntitle: Tea\nauthor: Ann\npublisher: Tea Weekly\n---\n\n" + TEA, encoding="utf-8")
    code, out, _ = run("remove", "tea", "--knowledge", str(kb))
    assert code == 0 and out == f"removed tea ({kb / 'tea.md'})\n"
    assert not (kb / "tea.md").exists()
    code, _, err = run("remove", "eu-japan-defence-partnership", "--knowledge", str(kb))
    assert code == 1 and "only document" in err
    assert ids(kb) == ["eu-japan-defence-partnership"]


def test_a_refused_page_is_one_line_and_no_traceback(kb):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "add", "http://127.0.0.1:9/page", "--knowledge", str(kb)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "ALLOW_PRIVATE_URLS": "false"},
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
