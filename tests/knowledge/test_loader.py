import os
from pathlib import Path

import pytest

from bot.errors import KnowledgeError, Severity
from bot.knowledge.loader import MAX_FILE_BYTES, load_knowledge
from bot.knowledge.passages import split_passages
from bot.serving.snapshot import build_snapshot
from tests.conftest import front_matter, make_kb

GOOD = front_matter() + "\nA paragraph of text.\n"


def messages(folder: Path) -> list[str]:
    return [str(p) for p in load_knowledge(folder).problems]


def test_a_good_file_loads(tmp_path):
    result = load_knowledge(make_kb(tmp_path / "kb", {"good.md": GOOD}))
    assert [d.doc_id for d in result.documents] == ["good"]
    assert result.problems == ()


def test_bad_yaml_is_reported_with_its_line(tmp_path):
    text = "---\ntitle: ok\nauthor: [unclosed\npublisher: P\n---\nBody.\n"
    kb = make_kb(tmp_path / "kb", {"bad.md": text})
    (line,) = messages(kb)
    assert line.startswith(f"{kb}/bad.md:")
    assert "bad YAML" in line
    assert int(line.split(":")[1]) in (3, 4, 5)


def test_missing_required_field_names_the_field(tmp_path):
    kb = make_kb(tmp_path / "kb", {"a.md": "---\ntitle: T\nauthor: A\n---\nBody.\n"})
    assert messages(kb) == [f"{kb}/a.md:4: missing required field 'publisher'"]


def test_wrong_types_unknown_fields_and_bad_urls(tmp_path):
    text = "---\ntitle: [a, b]\nauthor: A\npublisher: P\nautor: typo\nurl: not a url\n---\nBody.\n"
    kb = make_kb(tmp_path / "kb", {"a.md": text})
    lines = messages(kb)
    assert f"{kb}/a.md:2: field 'title' must be text, not a list" in lines
    assert any(line.startswith(f"{kb}/a.md:5: unknown field 'autor'") for line in lines)
    assert any(line.startswith(f"{kb}/a.md:6: field 'url' must start with http") for line in lines)
    assert not any("missing required field 'title'" in line for line in lines)


def test_provenance_fields_written_by_ingest_load_and_stay_out_of_the_about_passage(tmp_path):
    extra = {"source": "https://example.org/a", "added_by": "mod", "added_at": "2025-01-31T10:00:00Z"}
    kb = make_kb(tmp_path / "kb", {"a.md": front_matter(**extra) + "\nBody.\n"})
    result = load_knowledge(kb)
    assert result.problems == ()
    meta = result.documents[0].meta
    assert (meta.source, meta.added_by, meta.added_at) == tuple(extra.values())
    about = split_passages(result.documents[0])[0]
    assert about.is_about
    assert "example.org" not in about.text and "mod" not in about.text.split()


def test_empty_body(tmp_path):
    kb = make_kb(tmp_path / "kb", {"a.md": front_matter() + "\n\n   \n"})
    assert messages(kb) == [f"{kb}/a.md:6: empty body: write the document's paragraphs after the front matter"]


def test_no_front_matter_and_unclosed_front_matter(tmp_path):
    kb = make_kb(tmp_path / "kb", {"a.md": "Just text.\n", "b.md": "---\ntitle: T\n"})
    lines = messages(kb)
    assert lines[0].startswith(f"{kb}/a.md:1: no front matter")
    assert lines[1].startswith(f"{kb}/b.md:1: front matter is not closed")


def test_duplicate_ids(tmp_path):
    kb = make_kb(tmp_path / "kb", {"one/x.md": GOOD, "two/x.md": GOOD, "y.md": front_matter(id="x") + "\nText.\n"})
    result = load_knowledge(kb)
    assert len(result.documents) == 1
    assert sum("duplicate document id 'x'" in str(p) for p in result.problems) == 2


def test_not_utf8_binary_and_oversized(tmp_path):
    kb = make_kb(
        tmp_path / "kb",
        {
            "latin.md": GOOD.encode() + "caf\xe9\n".encode("latin-1"),
            "bin.md": b"---\n\x00\x01\x02",
            "big.md": GOOD.encode() + b"x" * (MAX_FILE_BYTES + 1),
        },
    )
    lines = messages(kb)
    assert (
        f"{kb}/big.md:1: file is 2.0 MiB, over the 2 MiB limit for one document; split it into several files" in lines
    )
    assert f"{kb}/bin.md:2: binary file (NUL byte), not UTF-8 text" in lines
    assert any(line.startswith(f"{kb}/latin.md:8: not UTF-8: byte 0xe9") for line in lines)


def test_dangling_link_and_fifo_are_reported(tmp_path):
    kb = make_kb(tmp_path / "kb", {"a.md": GOOD})
    (kb / "gone.md").symlink_to(kb / "missing.md")
    os.mkfifo(kb / "pipe.md")
    lines = messages(kb)
    assert f"{kb}/gone.md:1: cannot read file: No such file or directory" in lines
    assert f"{kb}/pipe.md:1: not a regular file" in lines


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path):
    kb = make_kb(tmp_path / "kb", {"a.md": GOOD})
    (kb / "a.md").chmod(0)
    assert messages(kb) == [f"{kb}/a.md:1: cannot read file: Permission denied"]


def test_symlink_outside_is_refused_and_inside_is_followed(tmp_path):
    outside = make_kb(tmp_path / "outside", {"secret.md": GOOD})
    kb = make_kb(tmp_path / "kb", {"real.md": GOOD})
    (kb / "leak.md").symlink_to(outside / "secret.md")
    (kb / "alias.md").symlink_to(kb / "real.md")
    result = load_knowledge(kb)
    assert f"{kb}/leak.md:1: symbolic link points outside the knowledge folder; not followed" in map(
        str, result.problems
    )
    assert sorted(d.doc_id for d in result.documents) == ["alias", "real"]


def test_hidden_temp_and_other_files_are_noticed_not_loaded(tmp_path):
    kb = make_kb(tmp_path / "kb", {"a.md": GOOD, ".hidden.md": GOOD, "a.md~": GOOD, "notes.txt": "x", "#a.md#": GOOD})
    result = load_knowledge(kb)
    assert [d.doc_id for d in result.documents] == ["a"]
    assert result.errors == ()
    notices = [str(p) for p in result.problems if p.severity is Severity.NOTICE]
    assert len(notices) == 4
    assert all(": note: " in n for n in notices)


def test_our_cache_folder_is_ignored_silently(tmp_path):
    kb = make_kb(tmp_path / "kb", {"a.md": GOOD, ".cache/index.bin": b"\x00"})
    assert load_knowledge(kb).problems == ()


def test_anchors_and_aliases_are_refused(tmp_path):
    bomb = "---\ntitle: &a T\nauthor: *a\npublisher: P\n---\nBody.\n"
    kb = make_kb(tmp_path / "kb", {"a.md": bomb})
    assert messages(kb) == [f"{kb}/a.md:2: YAML anchors and aliases are not allowed in front matter"]


def test_scalars_keep_their_written_text(tmp_path):
    kb = make_kb(tmp_path / "kb", {"a.md": "---\ntitle: yes\nauthor: 2025\npublisher: null-press\n---\nBody.\n"})
    (doc,) = load_knowledge(kb).documents
    assert (doc.meta.title, doc.meta.author, doc.meta.publisher) == ("yes", "2025", "null-press")


def test_a_bad_file_blocks_a_strict_load_but_not_skip_bad(tmp_path):
    kb = make_kb(tmp_path / "kb", {"good.md": GOOD, "bad.md": "no front matter"})
    with pytest.raises(KnowledgeError) as raised:
        build_snapshot(kb)
    assert next(str(p) for p in raised.value.problems).startswith(f"{kb}/bad.md:1:")
    snapshot = build_snapshot(kb, skip_bad=True)
    assert [d.doc_id for d in snapshot.documents] == ["good"]
    assert snapshot.skipped == (f"{kb}/bad.md",)


def test_missing_folder_and_empty_folder(tmp_path):
    with pytest.raises(NotADirectoryError):
        load_knowledge(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(KnowledgeError) as raised:
        build_snapshot(tmp_path / "empty")
    assert "no knowledge files" in str(raised.value)


def test_unchanged_documents_are_reused_on_reload(tmp_path):
    kb = make_kb(tmp_path / "kb", {"a.md": GOOD, "b.md": GOOD})
    first = build_snapshot(kb)
    (kb / "b.md").write_text(GOOD + "\nMore text.\n", encoding="utf-8")
    second = build_snapshot(kb, previous=first)
    assert second.reused == 1
    assert second.document("a") is first.document("a")
    assert second.document("b") is not first.document("b")


def test_a_byte_order_mark_is_accepted_and_kept_out_of_the_text(tmp_path):
    """Windows editors save UTF-8 with a BOM; it must not hide the front matter or reach a quote."""
    kb = make_kb(tmp_path / "kb", {"bom.md": b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode()})
    result = load_knowledge(kb)
    (document,) = result.documents
    assert result.problems == ()
    assert document.meta.title == "A title"
    assert "\ufeff" not in document.body
    cache = tmp_path / "cache"
    for expected in ("miss", "hit"):  # parsed, then restored from the index cache
        snapshot = build_snapshot(kb, cache_dir=cache)
        assert snapshot.cache == expected
        (restored,) = snapshot.documents
        assert restored.body == document.body
        assert snapshot.ask("paragraph of text").results[0].quote.text == "A paragraph of text."


@pytest.mark.parametrize(
    ("front", "line", "message"),
    [
        ('title: "Unclosed\nauthor: A\npublisher: P\n', 2, 'unclosed quote: the " on this line has no closing "'),
        ("title: T\nauthor: A\npublisher: 'P\n", 4, "unclosed quote: the ' on this line has no closing '"),
        ("title: T\nauthor: [A, B\npublisher: P\n", 3, "unclosed list: the [ on this line has no closing ]"),
        ("title: T\nauthor: A\npublisher: P\ntags: {a: b\n", 5, "unclosed braces: the { on this line has no closing }"),
    ],
)
def test_an_unclosed_quote_or_bracket_is_reported_where_it_opened(tmp_path, front, line, message):
    """PyYAML only notices at the end of the front matter ("found unexpected end of stream")."""
    kb = make_kb(tmp_path / "kb", {"a.md": f"---\n{front}---\n\nBody.\n"})
    assert messages(kb) == [f"{kb}/a.md:{line}: bad YAML in front matter: {message}"]


def test_other_yaml_mistakes_keep_their_own_line_and_reason(tmp_path):
    kb = make_kb(tmp_path / "kb", {"a.md": '---\ntitle: "bad \\q escape"\nauthor: A\npublisher: P\n---\n\nBody.\n'})
    assert messages(kb) == [f"{kb}/a.md:2: bad YAML in front matter: found unknown escape character 'q'"]


def test_files_in_sub_folders_are_loaded_in_name_order(tmp_path):
    kb = make_kb(
        tmp_path / "kb",
        {
            "b.md": GOOD,
            "asia/japan/c.md": GOOD,
            "asia/a.md": GOOD,
            "europe/d.md": front_matter(id="europe-d") + "\nT.\n",
        },
    )
    result = load_knowledge(kb)
    assert [d.path for d in result.documents] == [
        f"{kb}/asia/a.md",
        f"{kb}/asia/japan/c.md",
        f"{kb}/b.md",
        f"{kb}/europe/d.md",
    ]
    assert [d.doc_id for d in result.documents] == ["a", "c", "b", "europe-d"]
