import io
import json
import subprocess
import sys

import pytest

from bot.cli import main
from tests.conftest import ROOT, front_matter, make_kb

KB = str(ROOT / "knowledge")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_ask_prints_a_quote_and_its_citation():
    code, out, _ = run("ask", "Who is Kishida's Indian counterpart?", "--knowledge", KB, "--top", "1")
    assert code == 0
    assert "Narendra Modi" in out
    assert "Hugo Blewett-Mundy, “What does the new EU-Japan defence partnership actually mean?”, EUobserver, ¶18" in out


def test_ask_json_has_the_documented_shape():
    code, out, _ = run("ask", "When did Japan join the United Nations?", "--json", "--knowledge", KB)
    assert code == 0
    answer = json.loads(out)
    assert set(answer) >= {"question", "answered", "passages", "elapsed_ms"}
    assert answer["answered"] is True
    passage = answer["passages"][0]
    assert set(passage) >= {"doc_id", "title", "author", "publisher", "url", "paragraph", "text", "quote", "score"}
    assert passage["quote"] in passage["text"]
    assert passage["paragraph"] == 15


def test_declined_question_in_json():
    code, out, _ = run("ask", "give me a good ramen recipe pls", "--json", "--knowledge", KB)
    assert code == 0
    answer = json.loads(out)
    assert answer["answered"] is False
    assert answer["passages"] == []


def test_questions_file_prints_one_object_per_line(tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "Who wrote this article?", "id": 1}\n\n{"question": "ramen?"}\n')
    code, out, _ = run("ask", "--questions", str(questions), "--json", "--knowledge", KB)
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["question"] for line in lines] == ["Who wrote this article?", "ramen?"]
    assert [line["answered"] for line in lines] == [True, False]


def test_usage_errors_exit_2_with_one_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    for argv in (
        ("ask",),
        ("ask", "x", "--top", "11"),
        ("ask", "--questions", str(bad)),
        ("ask", "x", "--doc", "missing"),
        ("frobnicate",),
    ):
        code, out, err = run(*argv, *(("--knowledge", KB) if argv[0] == "ask" else ()))
        assert code == 2, argv
        assert out == ""
        assert len(err.strip().splitlines()) == 1


def test_bad_knowledge_exits_1_and_skip_bad_loads_the_rest(tmp_path):
    kb = make_kb(tmp_path / "kb", {"good.md": front_matter() + "\nJapan text.\n", "bad.md": "---\ntitle: [x\n---\n"})
    code, _, err = run("ask", "japan", "--knowledge", str(kb))
    assert code == 1
    assert err.startswith(f"{kb}/bad.md:")
    code, out, err = run("ask", "japan", "--knowledge", str(kb), "--skip-bad")
    assert code == 0
    assert "Japan text." in out
    assert f"skipped 1 bad file(s): {kb}/bad.md" in err


def test_check_lists_problems_and_exits_1(tmp_path):
    kb = make_kb(tmp_path / "kb", {"good.md": front_matter() + "\nText.\n", "bad.md": "---\ntitle: T\n---\nBody\n"})
    code, out, _ = run("check", "--knowledge", str(kb))
    assert code == 1
    assert f"{kb}/bad.md:3: missing required field 'author'" in out
    assert "1 document(s)" in out
    code, _, _ = run("check", "--knowledge", KB)
    assert code == 0


def test_missing_folder_exits_1(tmp_path):
    code, _, err = run("sources", "--knowledge", str(tmp_path / "nope"))
    assert code == 1
    assert "does not exist" in err


def test_sources_json():
    code, out, _ = run("sources", "--json", "--knowledge", KB)
    assert code == 0
    (source,) = json.loads(out)
    assert source["author"] == "Hugo Blewett-Mundy"
    assert source["paragraphs"] == 20


def test_summary_json_for_a_document_and_for_the_knowledge_base():
    code, out, _ = run(
        "summary", "--doc", "eu-japan-defence-partnership", "--sentences", "4", "--json", "--knowledge", KB
    )
    assert code == 0
    summary = json.loads(out)
    assert set(summary) >= {"doc_id", "title", "topic", "sentences", "elapsed_ms"}
    assert len(summary["sentences"]) == 4
    body = (ROOT / "knowledge" / "eu-japan-defence-partnership.md").read_text("utf-8")
    for sentence in summary["sentences"]:
        assert set(sentence) == {"paragraph", "text", "start", "end"}
        assert sentence["text"] in body
    code, out, _ = run("summary", "--json", "--knowledge", KB)
    (overview,) = json.loads(out)
    assert len(overview["sentences"]) == 1


def test_summary_topic_and_usage_errors():
    code, out, _ = run("summary", "--doc", "eu-japan-defence-partnership", "--topic", "ramen", "--knowledge", KB)
    assert code == 0
    assert "doesn't cover" in out
    assert run("summary", "--sentences", "11", "--knowledge", KB)[0] == 2
    assert run("summary", "--topic", "x", "--knowledge", KB)[0] == 2
    assert run("summary", "--doc", "nope", "--knowledge", KB)[0] == 2


def bot_process(*argv: str, **options) -> subprocess.Popen:
    """``python -m bot ...`` as a real process, from the project folder, with no cache written."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *argv, "--knowledge", KB, "--no-cache"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **options,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ("ask", "Who is Kishida's Indian counterpart?"),
        ("summary", "--doc", "eu-japan-defence-partnership"),
        ("ask", "--questions", str(ROOT / "tests" / "data" / "dev.jsonl")),
    ],
)
def test_a_closed_pipe_ends_quietly_with_the_sigpipe_status(argv):
    """``... | head -1``: the reader left, so the bot stops without a traceback, like other tools."""
    process = bot_process(*argv)
    process.stdout.close()  # before the bot writes its first line: every write now fails with EPIPE
    err = process.stderr.read().decode()
    assert process.wait(60) == 141
    assert err == ""


def test_lone_surrogates_in_a_questions_file_still_get_every_line_answered(tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"question": "who wrote \\ud800 this?"}\n{"question": "\\udfff"}\n{"question": "Who is Kishida\'s Indian counterpart?"}\n',
        encoding="utf-8",
    )
    code, out, err = run("ask", "--questions", str(questions), "--json", "--knowledge", KB)
    assert code == 0, err
    out.encode("utf-8")  # valid UTF-8: a lone surrogate cannot be encoded
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["status"] for line in lines] == ["answered", "empty", "answered"]
    assert lines[0]["question"] == "who wrote \ufffd this?"
    assert "Narendra Modi" in lines[2]["passages"][0]["text"]


def test_undecodable_command_line_bytes_do_not_break_json_output():
    """An argument that is not UTF-8 reaches Python as lone surrogates (surrogateescape)."""
    process = subprocess.run(
        [sys.executable, "-m", "bot", "ask", b"who wrote \xff this?", "--json", "--knowledge", KB, "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert process.returncode == 0, process.stderr.decode()
    answer = json.loads(process.stdout.decode("utf-8"))
    assert answer["question"] == "who wrote \ufffd this?"
    assert answer["answered"] is True


def test_no_arguments_prints_usage_and_the_commands():
    code, out, err = run()
    assert code == 2
    assert out == ""
    assert err.startswith("usage: python -m bot")
    for command in ("check", "ask", "summary", "index", "run", "sources"):
        assert f"\n    {command} " in err, command


def test_questions_from_standard_input_with_a_byte_order_mark():
    stdin = io.TextIOWrapper(io.BytesIO('\ufeff{"question": "Who wrote this article?"}\n'.encode()), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(["ask", "--questions", "-", "--json", "--knowledge", KB], out, err, stdin)
    assert code == 0, err.getvalue()
    (answer,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert answer["question"] == "Who wrote this article?"
    assert answer["answered"] is True


def test_a_questions_file_with_a_byte_order_mark_is_read(tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_bytes(b'\xef\xbb\xbf{"question": "When did Japan join the United Nations?"}\n')
    code, out, err = run("ask", "--questions", str(questions), "--json", "--knowledge", KB)
    assert code == 0, err
    assert json.loads(out)["passages"][0]["paragraph"] == 15


def test_questions_from_standard_input_in_a_real_pipe():
    process = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--questions", "-", "--json", "--knowledge", KB, "--no-cache"],
        cwd=ROOT,
        input=b'{"question": "Who is Kishida\'s Indian counterpart?"}\n{"question": "ramen?"}\n',
        capture_output=True,
        timeout=60,
    )
    assert process.returncode == 0, process.stderr.decode()
    assert [json.loads(line)["answered"] for line in process.stdout.splitlines()] == [True, False]


@pytest.mark.parametrize(
    "doc",
    [
        "eu-japan-defence-partnership.md",
        "EU-Japan-Defence-Partnership",
        "EU-JAPAN-DEFENCE-PARTNERSHIP.MD",
        "knowledge/eu-japan-defence-partnership.md",
        str(ROOT / "knowledge" / "eu-japan-defence-partnership.md"),
    ],
)
def test_doc_accepts_the_file_name_and_ignores_case(doc):
    code, out, err = run("summary", "--doc", doc, "--sentences", "2", "--json", "--knowledge", KB)
    assert code == 0, err
    assert json.loads(out)["doc_id"] == "eu-japan-defence-partnership"
    code, out, err = run("ask", "Who is Kishida's Indian counterpart?", "--doc", doc, "--json", "--knowledge", KB)
    assert code == 0, err
    assert json.loads(out)["answered"] is True


def test_a_file_name_is_not_matched_by_a_partial_name_or_in_two_folders(tmp_path):
    body = "\nJapan text.\n"
    kb = make_kb(
        tmp_path / "kb",
        {"a/notes.md": front_matter(title="One", id="one") + body, "b/notes.md": front_matter(title="Two") + body},
    )
    assert run("ask", "japan", "--doc", "otes.md", "--knowledge", str(kb))[0] == 2
    assert run("ask", "japan", "--doc", "notes.md", "--knowledge", str(kb))[0] == 2
    code, out, err = run("summary", "--doc", "b/notes.md", "--json", "--knowledge", str(kb))
    assert code == 0, err
    assert json.loads(out)["title"] == "Two"


def test_text_answers_to_a_questions_file_say_which_question_they_answer(tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "Who is Kishida\'s Indian counterpart?"}\n{"question": "ramen\\nrecipe?"}\n')
    code, out, _ = run("ask", "--questions", str(questions), "--top", "1", "--knowledge", KB)
    assert code == 0
    first, second = out.split("Question 2: ramen recipe?\n")
    assert first.startswith("Question 1: Who is Kishida's Indian counterpart?\n1. “")
    assert "Narendra Modi" in first
    assert second.startswith("The knowledge base doesn't answer that.")


def test_hard_wrapped_text_is_shown_without_its_line_breaks(tmp_path):
    body = "\nJapan and the EU signed the partnership after\ntwo years of talks,\n   which both sides welcomed.\n"
    kb = str(make_kb(tmp_path / "kb", {"wrapped.md": front_matter() + body}))
    code, out, _ = run("ask", "when did japan and the eu sign the partnership?", "--top", "1", "--knowledge", kb)
    assert code == 0
    assert "1. “Japan and the EU signed the partnership after two years of talks, which both sides welcomed.”" in out
    code, out, _ = run("summary", "--doc", "wrapped", "--knowledge", kb)
    assert "“Japan and the EU signed the partnership after two years of talks, which both sides welcomed.” (¶1)" in out
    code, out, _ = run("summary", "--knowledge", kb)
    assert (
        "   “Japan and the EU signed the partnership after two years of talks, which both sides welcomed.” (¶1)" in out
    )
    code, out, _ = run("ask", "when did japan and the eu sign the partnership?", "--json", "--knowledge", kb)
    quote = json.loads(out)["passages"][0]["quote"]
    assert quote == body.strip()  # JSON keeps the exact slice of the document, line breaks and all


def test_bad_files_point_to_skip_bad_when_other_documents_would_load(tmp_path):
    kb = make_kb(
        tmp_path / "kb",
        {"good.md": front_matter() + "\nJapan text.\n", "bad.md": "---\ntitle: [x\n---\n", "worse.md": "no front\n"},
    )
    for command in (("ask", "japan"), ("summary",), ("sources",), ("index",)):
        code, out, err = run(*command, "--knowledge", str(kb), "--no-cache")
        assert code == 1, command
        assert err.splitlines()[-1] == (
            "2 file(s) could not be loaded; fix them, or add --skip-bad to use the other 1 document(s) without them"
        )
    only_bad = make_kb(tmp_path / "only-bad", {"bad.md": "no front\n"})
    code, _, err = run("ask", "japan", "--knowledge", str(only_bad))
    assert code == 1
    assert "--skip-bad" not in err  # it would leave nothing to answer from


def test_check_on_an_empty_folder_says_why_it_fails(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not markdown")
    code, out, _ = run("check", "--knowledge", str(empty))
    assert code == 1
    assert out.splitlines() == [
        f"{empty}/notes.txt:1: note: not a Markdown (.md) file; ignored",
        f"{empty}:1: no knowledge files: add at least one .md document",
        "0 document(s), 0 passage(s), 1 problem(s)",
    ]


def test_an_unknown_semantic_model_is_a_usage_error(monkeypatch, tmp_path):
    """A typo in SEMANTIC_MODEL must not quietly answer by words alone."""
    import io

    from bot.cli import main

    monkeypatch.setenv("SEMANTIC_MODEL", "bert")
    out, err = io.StringIO(), io.StringIO()
    assert main(["ask", "who is kishida", "--no-cache"], out, err) == 2
    assert err.getvalue() == "error: SEMANTIC_MODEL: 'bert' is not one of mpnet, minilm\n"
    assert out.getvalue() == ""
