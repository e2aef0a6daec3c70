"""Property tests: hostile questions and hostile knowledge files never break the bot.

CI runs a few thousand cases; for a long run:

    HYPOTHESIS_PROFILE=long python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapter.render import render_answer, render_summary
from bot.errors import Severity
from bot.knowledge.loader import load_knowledge
from bot.search.answer import Status
from bot.serving.library import KnowledgeBase
from tests.adapter.test_render import assert_within_limits
from tests.conftest import ROOT
from tests.search.test_answer import assert_verbatim

settings.register_profile("ci", max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
settings.register_profile("long", max_examples=50_000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

HOSTILE = [
    "@everyone",
    "@here",
    "<@123456789012345678>",
    "<@!123456789012345678>",
    "<@&987654321098765432>",
    "<#111111111111111111>",
    "</ask:1234567890>",
    "<t:1700000000:R>",
    "<:pepe:123>",
    "https://evil.example/@everyone",
    "[click](https://evil.example)",
    "**bold**",
    "__under__",
    "~~strike~~",
    "||spoiler||",
    "`code`",
    "```py\nprint('x')\n```",
    "> quote",
    "# heading",
    "-# subtext",
    "\u200b",
    "\u202e",
    "\u2066",
    "\x00",
    "\x07",
    "\r\n",
    "مرحبا بالعالم",
    "שלום",
    "🙂👍🏽",
    "Kishida",
    "Japan",
    "who wrote this article?",
    "EU-Japan",
    "ｆｕｌｌｗｉｄｔｈ",
]
questions = st.one_of(
    st.text(max_size=600),
    st.lists(st.sampled_from(HOSTILE) | st.text(max_size=20), max_size=30).map(" ".join),
    st.builds(lambda part, times: part * times, st.sampled_from(HOSTILE), st.integers(100, 25_000)),
)
PING = re.compile(r"(?<!\\)@(everyone|here)|(?<!\\)<[@#]|(?<!\\)</")


def assert_cannot_ping(reply) -> None:
    message = reply.to_message()
    assert message["allowed_mentions"] == {"parse": []}
    texts = [message.get("content") or ""]
    for embed in message["embeds"]:
        texts += [embed.get("title", ""), embed.get("description", ""), embed.get("footer", {}).get("text", "")]
        texts += [f["name"] + f["value"] for f in embed.get("fields", [])]
    for text in texts:
        assert not PING.search(text), text[:200]


@given(questions)
def test_any_question_gets_an_answer_or_a_polite_decline(shipped, question):
    answer = shipped.ask(question, top=5)
    assert answer.status in set(Status)
    assert (answer.status is Status.ANSWERED) == bool(answer.results)
    for result in answer.results:
        assert_verbatim(result)
    reply = render_answer(answer, shipped.documents)
    assert_within_limits(reply)
    assert_cannot_ping(reply)


@given(questions)
def test_any_topic_gets_a_summary_or_a_polite_decline(shipped, topic):
    summary = shipped.summarize(shipped.documents[0], sentences=10, topic=topic)
    for sentence in summary.sentences:
        assert shipped.documents[0].body[sentence.start : sentence.end] == sentence.text
    reply = render_summary(summary)
    assert_within_limits(reply)
    assert_cannot_ping(reply)


FRONT = "---\ntitle: T\nauthor: A\npublisher: P\n---\n"
yaml_values = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "&a [1, 2]",
            "*a",
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
            "{a: 1}",
            "!!python/object:os.system 'ls'",
            "- a\n- b",
            "|\n  block",
            ">\n  folded",
            "'unterminated",
            '"bad \\escape"',
            "null",
            "~",
            "2025-01-01",
            "yes",
        ]
    ),
)
hostile_files = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=500),
    st.builds(
        lambda k, v, body: f"---\n{k}: {v}\n---\n{body}",
        st.sampled_from(["title", "author", "tags", "id", "x"]),
        yaml_values,
        st.text(max_size=50),
    ),
    st.builds(lambda v: FRONT.replace("title: T", f"title: {v}") + "Body.\n", yaml_values),
    st.just(
        "---\na: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\n---\nBody\n"
    ),
    st.just("no front matter at all"),
    st.just(FRONT),
)


def accounted(folder: Path, result) -> None:
    """Every file is either a loaded document or named by a problem line."""
    named = {p.path for p in result.problems} | {d.path for d in result.documents}
    for path in folder.rglob("*"):
        if path.relative_to(folder).parts[0] == ".cache":
            continue  # the index cache is ours, not knowledge
        if path.is_file() or path.is_symlink():
            shown = os.path.join(str(folder), str(path.relative_to(folder)))
            assert shown in named or any(shown.startswith(n + os.sep) for n in named), shown
    for problem in result.problems:
        assert re.match(r"^.+:\d+: ", str(problem)), str(problem)


@settings(max_examples=300)
@given(st.lists(hostile_files, min_size=1, max_size=6))
def test_hostile_knowledge_files_are_reported_and_never_crash(contents):
    folder = Path(tempfile.mkdtemp(prefix="fuzz-kb-"))
    try:
        for i, content in enumerate(contents):
            path = folder / f"f{i}.md"
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        result = load_knowledge(folder)
        accounted(folder, result)
        assert len(result.documents) + len(result.skipped) == len(contents)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_big_files_many_files_links_and_temp_files_with_reload(tmp_path):
    folder = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge", folder, ignore=shutil.ignore_patterns(".cache"))
    kb = KnowledgeBase(folder, use_cache=False)
    kb.load(embed="now")  # vectors in place, so nothing but a reload could replace the snapshot
    serving = kb.snapshot
    (folder / "huge.md").write_bytes(FRONT.encode() + b"word " * (2 * 1024 * 1024))
    (folder / "many").mkdir()
    for i in range(2000):
        (folder / "many" / f"n{i}.md").write_text(FRONT + f"Tiny note {i}.\n", encoding="utf-8")
    outside = tmp_path / "secret.md"
    outside.write_text(FRONT + "Secret.\n", encoding="utf-8")
    (folder / "leak.md").symlink_to(outside)
    (folder / ".draft.md").write_text(FRONT + "Hidden.\n", encoding="utf-8")
    (folder / "notes.md~").write_text(FRONT + "Backup.\n", encoding="utf-8")
    result = load_knowledge(folder)
    accounted(folder, result)
    assert {p.message.split(";")[0] for p in result.errors} >= {
        "file is 10.0 MiB, over the 2 MiB limit for one document",
        "symbolic link points outside the knowledge folder",
    }
    assert sum(p.severity is Severity.NOTICE for p in result.problems) == 2
    assert len(result.documents) == 2001
    import asyncio

    report = asyncio.run(kb.reload())
    assert not report.ok
    assert kb.snapshot is serving
    assert kb.snapshot.ask("Who is Kishida's Indian counterpart?").answered
