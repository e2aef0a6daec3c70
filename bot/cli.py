"""Command line: everything the bot can say, without a Discord token.

Exit codes are a contract other tools rely on: 0 success, 1 bad knowledge, 2 bad usage,
each failure with a one-line message on standard error; 141 (what a shell reports for a
tool stopped by SIGPIPE) when the reader of standard output left early, as ``| head -1``
does, with nothing printed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TextIO

from bot.config import read_semantic_model, value_of
from bot.errors import KnowledgeError, KnowledgeProblem, Severity
from bot.knowledge.citations import citation, quote_link
from bot.knowledge.loader import load_knowledge
from bot.knowledge.passages import split_passages
from bot.knowledge.text import unwrap
from bot.search.answer import DEFAULT_RESULTS, MAX_RESULTS, Answer, Status
from bot.serving.semantic import SemanticLayer, semantic_wanted
from bot.serving.snapshot import Snapshot, build_snapshot, default_cache_dir
from bot.serving.status import MAX_AGE_SECONDS
from bot.serving.vector_store import EmbedProgress
from bot.summaries.summary import DEFAULT_SENTENCES, MAX_SENTENCES, Summary, SummaryStatus

__all__ = ["main"]

EXIT_OK = 0
EXIT_KNOWLEDGE = 1
EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 128 + 13  # 128 + SIGPIPE, as the shell reports for `yes | head -1`
_SURROGATE = re.compile("[\ud800-\udfff]")


class UsageError(Exception):
    """Bad command-line usage, reported in one line with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m bot",
        description="Answer questions from a knowledge base with exact quotes.",
        epilog="'python -m bot COMMAND --help' lists a command's options.",
    )
    sub = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser, title="commands", metavar="COMMAND"
    )

    def knowledge_folder(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--knowledge",
            default=value_of(os.environ, "KNOWLEDGE_DIR") or "knowledge",  # empty means the default
            help="knowledge folder (default: $KNOWLEDGE_DIR or ./knowledge)",
        )

    def knowledge_options(p: argparse.ArgumentParser) -> None:
        knowledge_folder(p)
        p.add_argument("--skip-bad", action="store_true", help="load the good files even if some are bad")
        p.add_argument(
            "--cache-dir",
            default=value_of(os.environ, "INDEX_CACHE_DIR") or None,
            help="index cache folder (default: $INDEX_CACHE_DIR or KNOWLEDGE/.cache)",
        )
        p.add_argument("--no-cache", action="store_true", help="neither read nor write the index cache")

    check = sub.add_parser("check", help="validate a knowledge folder")
    knowledge_options(check)

    ask = sub.add_parser("ask", help="answer a question with quotes")
    ask.add_argument("question", nargs="?", help="the question (or use --questions)")
    ask.add_argument(
        "--questions", metavar="FILE", help="JSON Lines file with a 'question' field per line ('-': standard input)"
    )
    ask.add_argument("--top", type=int, default=DEFAULT_RESULTS, help=f"passages to show, 1-{MAX_RESULTS}")
    ask.add_argument("--doc", help="only search this document (id, title or file name)")
    ask.add_argument("--json", action="store_true", help="print JSON")
    knowledge_options(ask)

    summary = sub.add_parser("summary", help="summarise a document (or every document in one line)")
    summary.add_argument("--doc", help="document id, title or file name (default: one line per document)")
    summary.add_argument("--sentences", type=int, help=f"sentences, 1-{MAX_SENTENCES} (default {DEFAULT_SENTENCES})")
    summary.add_argument("--topic", help="only what the document says about this")
    summary.add_argument("--json", action="store_true", help="print JSON")
    knowledge_options(summary)

    index = sub.add_parser("index", help="build (or load from the cache) the index and report on it")
    index.add_argument("--json", action="store_true", help="print JSON")
    knowledge_options(index)

    run = sub.add_parser("run", help="start the Discord bot (configuration from the environment and .env)")
    run.add_argument("--env-file", help="file of KEY=value lines (default: .env, if there is one)")

    feedback = sub.add_parser("feedback", help="feedback totals per document and per day")
    feedback.add_argument(
        "--database",
        default=value_of(os.environ, "DATABASE_PATH") or "feedback.sqlite3",
        help="the feedback database (default: $DATABASE_PATH or feedback.sqlite3)",
    )
    feedback.add_argument("--days", type=int, help="only the last N days (default: everything kept)")
    feedback.add_argument("--json", action="store_true", help="print JSON")

    gaps = sub.add_parser("gaps", help="what the knowledge base did not answer well, grouped by question")
    gaps.add_argument(
        "--database",
        default=value_of(os.environ, "DATABASE_PATH") or "feedback.sqlite3",
        help="the feedback database (default: $DATABASE_PATH or feedback.sqlite3)",
    )
    gaps.add_argument("--days", type=int, default=7, help="how many days back (default: 7)")
    gaps.add_argument("--document", help="only questions limited to or answered from this document id")
    gaps.add_argument("--words", action="store_true", help="group by words only, without the sentence model")
    gaps.add_argument("--json", action="store_true", help="print JSON")

    health = sub.add_parser("health", help="exit 0 only if the running bot is connected and serving (HEALTHCHECK)")
    health.add_argument("--env-file", help="the file 'run' was given (default: .env, if there is one)")
    health.add_argument("--status-file", help="the status file (default: status.json in the bot's cache folder)")
    health.add_argument(
        "--max-age",
        type=float,
        default=MAX_AGE_SECONDS,
        help=f"seconds after which the last heartbeat is stale (default {MAX_AGE_SECONDS:g})",
    )

    add = sub.add_parser("add", help="add (or update) a document from a file or an http(s) URL")
    add.add_argument("source", metavar="SOURCE", help="a .md, .txt, .html or .pdf file, or an http(s) URL")
    add.add_argument("--id", help="the document id (default: the file's, or one made from the title)")
    add.add_argument("--title", help="the title, when the source does not state it (or to correct it)")
    add.add_argument("--author", help="the author, when the source does not state it")
    add.add_argument("--publisher", help="the publisher or site, when the source does not state it")
    add.add_argument("--json", action="store_true", help="print JSON")
    knowledge_folder(add)

    remove = sub.add_parser("remove", help="delete a document from the knowledge folder")
    remove.add_argument("id", metavar="ID", help="the document's id (see 'python -m bot sources')")
    knowledge_folder(remove)

    sources = sub.add_parser("sources", help="list the documents")
    sources.add_argument("--json", action="store_true", help="print JSON")
    knowledge_options(sources)
    return parser


def main(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    inp: TextIO | None = None,
) -> int:
    """Run one command; returns the exit code. ``inp`` is read for ``--questions -``."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        code = _dispatch(sys.argv[1:] if argv is None else list(argv), out, err, inp or sys.stdin)
        out.flush()  # inside the try: a reader that left shows up here, not at interpreter exit
    except BrokenPipeError:
        _discard(out)
        return EXIT_BROKEN_PIPE
    return code


def _dispatch(argv: list[str], out: TextIO, err: TextIO, inp: TextIO) -> int:
    if not argv:  # a newcomer typing just the module name: show what there is to do
        print(_parser().format_help(), file=err, end="")
        return EXIT_USAGE
    args: argparse.Namespace | None = None
    try:
        args = _parser().parse_args(argv)
        for name in ("question", "topic", "doc"):  # text that is echoed back; paths stay as given
            if isinstance(getattr(args, name, None), str):
                setattr(args, name, _text(getattr(args, name)))
        if args.command == "check":
            return _check(args, out)
        if args.command == "run":
            return _run(args, err)
        if args.command == "feedback":
            return _feedback(args, out, err)
        if args.command == "gaps":
            return _gaps(args, out, err)
        if args.command == "health":
            return _health(args, out)
        if args.command in ("add", "remove"):
            return _change(args, out, err)
        snapshot = _load(args, err)
        if args.command == "ask":
            return _ask(args, snapshot, out, inp)
        if args.command == "summary":
            return _summary(args, snapshot, out)
        if args.command == "index":
            return _index(args, snapshot, out)
        return _sources(args, snapshot, out)
    except UsageError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_USAGE
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem, file=err)
        if exc.documents and args is not None and not getattr(args, "skip_bad", True):
            bad = len({p.path for p in exc.problems})
            print(
                f"{bad} file(s) could not be loaded; fix them, or add --skip-bad to use the other"
                f" {exc.documents} document(s) without them",
                file=err,
            )
        return EXIT_KNOWLEDGE
    except NotADirectoryError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_KNOWLEDGE


def _discard(out: TextIO) -> None:
    """Point the closed stream at /dev/null, so the flush at exit cannot raise again.

    This is the recipe of Python's signal documentation; restoring SIGPIPE's default action
    instead would also kill ``run`` whenever a network peer goes away.
    """
    try:
        fd = out.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (tests pass StringIO)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _text(value: str) -> str:
    r"""``value`` with lone surrogates replaced by U+FFFD, so that it can be written as UTF-8.

    JSON's ``"\ud800"`` escapes and command-line bytes that are not UTF-8 (which Python
    decodes with surrogateescape) both produce them.
    """
    return _SURROGATE.sub("\ufffd", value)


class _Terminated(BaseException):
    """SIGTERM before the event loop runs; a BaseException, like KeyboardInterrupt, so no handler swallows it."""


def _raise_stop(signum: int, frame: object) -> NoReturn:
    raise _Terminated


def _run(args: argparse.Namespace, err: TextIO) -> int:
    """Validate everything before connecting, then hand over to the Discord adapter.

    Ctrl-C or SIGTERM exits 0 at every stage: here, while the knowledge base loads, they
    interrupt the load; once the bot runs, the adapter handles them on the event loop.
    """
    import asyncio
    import logging
    import signal

    from bot.config import settings_from_environment
    from bot.errors import ConfigError
    from bot.log import setup_logging
    from bot.serving.library import KnowledgeBase

    try:
        settings = settings_from_environment(args.env_file)
    except ConfigError as exc:
        for line in exc.lines:
            print(f"config error: {line}", file=err)
        return EXIT_USAGE
    setup_logging(settings.log_level, settings.secret_values())
    log = logging.getLogger("bot")
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        kb = KnowledgeBase(
            settings.knowledge_dir,
            skip_bad=settings.skip_bad_files,
            cache_dir=settings.cache_dir,
            semantic=settings.semantic,
            semantic_model=settings.semantic_model,
        )
        note = kb.semantic.start_up_note()
        if note is not None:
            log.info("%s", note)
        report = kb.load()
        if not report.ok:
            log.error("cannot start: the knowledge base did not load")
            for problem in report.errors:
                print(problem, file=err)
            if report.error:
                print(report.error, file=err)
            return EXIT_KNOWLEDGE
        log.info("%s", report.summary_line())
        for problem in report.errors:
            log.warning("skipped: %s", problem)
        from bot.adapter.client import serve  # discord is imported only when the bot really runs

        signal.signal(signal.SIGTERM, previous)  # from here on the event loop's handler takes over
        return asyncio.run(serve(kb, settings))
    except (KeyboardInterrupt, _Terminated) as exc:
        log.info("received %s; stopped", "SIGINT" if isinstance(exc, KeyboardInterrupt) else "SIGTERM")
        return EXIT_OK
    finally:
        signal.signal(signal.SIGTERM, previous)


def _health(args: argparse.Namespace, out: TextIO) -> int:
    """One line on the running bot, exit 0 when healthy and 1 when not (Docker's convention).

    The status file is found from the same settings as ``run`` uses, so the check needs no
    option inside the image.
    """
    import time

    from bot.config import settings_from_environment
    from bot.errors import ConfigError
    from bot.serving.status import check_health, status_path

    path = args.status_file
    if path is None:
        try:
            settings = settings_from_environment(args.env_file)
        except ConfigError as exc:
            print(f"unhealthy: configuration error: {exc.lines[0]}", file=out)
            return EXIT_KNOWLEDGE
        path = status_path(settings.cache_dir or default_cache_dir(settings.knowledge_dir), settings.shard_ids)
    healthy, line = check_health(path, time.time(), args.max_age)
    print(line, file=out)
    return EXIT_OK if healthy else 1


def _allow_private() -> bool:
    """ALLOW_PRIVATE_URLS as the bot reads it (intranet pages and tests)."""
    raw = value_of(os.environ, "ALLOW_PRIVATE_URLS").lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off", ""):
        return False
    raise UsageError(f"ALLOW_PRIVATE_URLS: {raw[:30]!r} is not true or false")


def _change(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Add or remove with the same checks and atomic writes as /kb in Discord; a running bot needs /reload after."""
    from pathlib import Path

    from bot.errors import IngestError
    from bot.ingest import Overrides, commit, prepare, remove_document

    folder = Path(args.knowledge)
    try:
        if args.command == "remove":
            documents = load_knowledge(folder).documents
            if [d.doc_id for d in documents] == [args.id.strip()]:
                raise IngestError(f"'{args.id.strip()}' is the only document, and a knowledge base needs one")
            path = remove_document(folder, args.id)
            print(f"removed {args.id.strip()} ({path})", file=out)
            return EXIT_OK
        overrides = Overrides(
            title=args.title, author=args.author, publisher=args.publisher, doc_id=args.id, added_by="command line"
        )
        source: str | bytes = args.source
        filename = None
        if not re.match(r"(?i)^https?://", args.source):
            try:
                source = Path(args.source).read_bytes()
            except OSError as exc:
                raise UsageError(f"cannot read {args.source}: {exc.strerror or exc}") from exc
            filename = Path(args.source).name
        prepared = prepare(
            source, filename=filename, overrides=overrides, knowledge_dir=folder, allow_private=_allow_private()
        )
        if prepared.missing:
            options = " ".join(f"--{name}" for name in prepared.missing)
            print(
                f"error: {args.source} does not state its {', '.join(prepared.missing)}; give {options}"
                " (nothing was written)",
                file=err,
            )
            return EXIT_KNOWLEDGE
        path = commit(prepared, folder)
    except IngestError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_KNOWLEDGE
    draft = prepared.draft
    if args.json:
        row = {
            "doc_id": prepared.doc_id,
            "path": str(path),
            "replaced": prepared.replaces,
            "title": draft.title,
            "author": draft.author,
            "publisher": draft.publisher,
            "url": draft.url,
            "published": draft.published,
            "paragraphs": len(draft.paragraphs),
            "source": draft.source,
        }
        print(json.dumps(row, ensure_ascii=False), file=out)
        return EXIT_OK
    verb = "updated" if prepared.replaces else "added"
    print(f"{verb} {prepared.doc_id}: {draft.title} ({len(draft.paragraphs)} paragraphs) -> {path}", file=out)
    return EXIT_OK


def _load(args: argparse.Namespace, err: TextIO) -> Snapshot:
    model, mistake = read_semantic_model(os.environ.get("SEMANTIC_MODEL"))
    if mistake:  # as at the bot's start-up: a typo must not quietly answer by words alone
        raise UsageError(mistake)
    cache = None if args.no_cache else (args.cache_dir or default_cache_dir(args.knowledge))
    snapshot = build_snapshot(args.knowledge, skip_bad=args.skip_bad, cache_dir=cache)
    if snapshot.skipped:
        for problem in snapshot.problems:
            if problem.severity is Severity.ERROR:
                print(problem, file=err)
        print(f"skipped {len(snapshot.skipped)} bad file(s): {', '.join(snapshot.skipped)}", file=err)
    layer = SemanticLayer(cache, enabled=semantic_wanted(os.environ.get("SEMANTIC")), model=model)
    note = layer.start_up_note()
    if note is not None:
        if args.command == "index":
            print(note, file=err)
        return snapshot
    progress = _progress_printer(err) if args.command == "index" else None
    return layer.attach(snapshot, progress=progress)


def _progress_printer(err: TextIO) -> Callable[[EmbedProgress], None]:
    """A progress bar on a terminal, one line per step otherwise (logs, pipes)."""
    tty = err.isatty()

    def show(p: EmbedProgress) -> None:
        share = p.sentences_done / p.sentences if p.sentences else 1.0
        line = (
            f"sentence vectors: {p.documents_done}/{p.documents} documents, "
            f"{p.sentences_done}/{p.sentences} sentences, {p.elapsed_s:.1f} s"
        )
        if tty:
            bar = "#" * int(share * 30)
            end = "\n" if p.sentences_done >= p.sentences else ""
            print(f"\r[{bar:<30}] {share:4.0%} {line}", end=end, file=err, flush=True)
        else:
            print(line, file=err, flush=True)

    return show


def _check(args: argparse.Namespace, out: TextIO) -> int:
    result = load_knowledge(args.knowledge)
    problems = list(result.problems)
    if not result.documents and not result.errors:  # otherwise "0 problem(s)" and exit 1 say nothing
        problems.append(KnowledgeProblem(args.knowledge, 1, "no knowledge files: add at least one .md document"))
    for problem in problems:
        print(problem, file=out)
    passages = sum(len(split_passages(d)) for d in result.documents)
    errors = sum(p.severity is Severity.ERROR for p in problems)
    print(
        f"{len(result.documents)} document(s), {passages} passage(s), {errors} problem(s)"
        + (f", {len(result.skipped)} file(s) would be skipped" if result.skipped else ""),
        file=out,
    )
    if errors and not args.skip_bad:
        return EXIT_KNOWLEDGE
    return EXIT_OK if result.documents else EXIT_KNOWLEDGE


def _ask(args: argparse.Namespace, snapshot: Snapshot, out: TextIO, inp: TextIO) -> int:
    if not 1 <= args.top <= MAX_RESULTS:
        raise UsageError(f"--top must be between 1 and {MAX_RESULTS}, got {args.top}")
    doc_id = None
    if args.doc is not None:
        document = snapshot.document(args.doc)
        if document is None:
            raise UsageError(f"no document {args.doc!r}; see 'python -m bot sources'")
        doc_id = document.doc_id
    if (args.question is None) == (args.questions is None):
        raise UsageError("give a QUESTION or --questions FILE (not both)")
    if args.questions is not None:
        for number, question in enumerate(_read_questions(args.questions, inp), 1):
            answer = snapshot.ask(question, top=args.top, doc_id=doc_id)
            if not args.json:  # one answer among many: say which question it answers
                print(f"Question {number}: {' '.join(question.split())}", file=out)
            _print_answer(answer, args.json, out)
            if not args.json and not answer.answered:
                print(file=out)
        return EXIT_OK
    _print_answer(snapshot.ask(args.question, top=args.top, doc_id=doc_id), args.json, out)
    return EXIT_OK


def _read_questions(path: str, inp: TextIO) -> list[str]:
    """Questions from a JSON Lines file, or standard input for ``-``; a UTF-8 BOM is allowed."""
    name = "standard input" if path == "-" else path
    try:
        if path == "-":
            raw = inp.buffer.read() if hasattr(inp, "buffer") else inp.read().encode("utf-8", "surrogatepass")
            text = raw.decode("utf-8-sig")
        else:
            with open(path, encoding="utf-8-sig") as handle:  # Windows editors write a BOM
                text = handle.read()
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"{name} is not UTF-8") from exc
    questions = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{name}:{number}: not JSON ({exc.msg})") from exc
        if not isinstance(record, dict) or not isinstance(record.get("question"), str):
            raise UsageError(f"{name}:{number}: expected an object with a 'question' string")
        questions.append(_text(record["question"]))
    return questions


def answer_json(answer: Answer) -> dict[str, Any]:
    """The documented JSON shape of an answer."""
    return {
        "question": answer.question,
        "answered": answer.answered,
        "status": answer.status.value,
        "passages": [
            {
                "doc_id": r.document.doc_id,
                "title": r.document.meta.title,
                "author": r.document.meta.author,
                "publisher": r.document.meta.publisher,
                "url": r.document.meta.url,
                "paragraph": r.passage.paragraph,
                "text": r.passage.text,
                "quote": r.quote.text,
                "score": round(r.score, 6),
                "link": quote_link(r.document, r.quote.text),
            }
            for r in answer.results
        ],
        "absent": answer.absent or None,
        "elapsed_ms": round(answer.elapsed_ms, 3),
    }


_MESSAGES = {
    Status.NOT_FOUND: "The knowledge base doesn't answer that. Try 'python -m bot sources' to see what it covers.",
    Status.EMPTY: "Ask a question in words, for example: who wrote the article?",
    Status.TOO_LONG: "That question is too long; ask it in under 500 characters.",
    Status.UNKNOWN_DOCUMENT: "No such document; see 'python -m bot sources'.",
}


def _print_answer(answer: Answer, as_json: bool, out: TextIO) -> None:
    if as_json:
        print(json.dumps(answer_json(answer), ensure_ascii=False), file=out)
        return
    if not answer.answered:
        if answer.absent:
            lists = "'python -m bot sources' lists them"
            print(f"The knowledge base has no document called {answer.absent!r}; {lists}.", file=out)
            return
        print(_MESSAGES[answer.status], file=out)
        return
    bold = out.isatty()
    for rank, result in enumerate(answer.results, 1):
        text = result.quote.text
        if bold:
            pieces, last = [], 0
            for span in result.quote.highlights:  # unwrapped piece by piece: the offsets are into the exact quote
                pieces += [unwrap(text[last : span.start]), "\033[1m", unwrap(text[span.start : span.end]), "\033[0m"]
                last = span.end
            text = "".join(pieces) + unwrap(text[last:])
        else:
            text = unwrap(text)
        print(f"{rank}. “{text}”", file=out)
        print(f"   {citation(result.document, result.passage)}", file=out)
        link = quote_link(result.document, result.quote.text)
        if link:
            print(f"   {link}", file=out)
        print(file=out)


def summary_json(summary: Summary) -> dict[str, Any]:
    """The documented JSON shape of a summary."""
    return {
        "doc_id": summary.document.doc_id,
        "title": summary.document.meta.title,
        "topic": summary.topic,
        "status": summary.status.value,
        "sentences": [
            {"paragraph": s.paragraph, "text": s.text, "start": s.start, "end": s.end} for s in summary.sentences
        ],
        "elapsed_ms": round(summary.elapsed_ms, 3),
    }


def _summary(args: argparse.Namespace, snapshot: Snapshot, out: TextIO) -> int:
    if args.sentences is not None and not 1 <= args.sentences <= MAX_SENTENCES:
        raise UsageError(f"--sentences must be between 1 and {MAX_SENTENCES}, got {args.sentences}")
    if args.doc is None:
        if args.topic:
            raise UsageError("--topic needs --doc (to search every document, use 'ask')")
        summaries = [snapshot.summarize(d, sentences=args.sentences or 1) for d in snapshot.documents]
        if args.json:
            print(json.dumps([summary_json(s) for s in summaries], ensure_ascii=False), file=out)
            return EXIT_OK
        for summary in summaries:
            print(summary.document.meta.title, file=out)
            for sentence in summary.sentences:
                print(f"   “{unwrap(sentence.text)}” (¶{sentence.paragraph})", file=out)
        return EXIT_OK
    document = snapshot.document(args.doc)
    if document is None:
        raise UsageError(f"no document {args.doc!r}; see 'python -m bot sources'")
    summary = snapshot.summarize(document, sentences=args.sentences or DEFAULT_SENTENCES, topic=args.topic)
    if args.json:
        print(json.dumps(summary_json(summary), ensure_ascii=False), file=out)
        return EXIT_OK
    if summary.status is not SummaryStatus.OK:
        messages = {
            SummaryStatus.NOT_FOUND: f"The document doesn't cover {args.topic!r}.",
            SummaryStatus.EMPTY_TOPIC: "Give the topic in words.",
            SummaryStatus.TOO_LONG: "That topic is too long; give it in a few words.",
            SummaryStatus.NO_SENTENCES: "The document has no full sentences to quote.",
        }
        print(messages[summary.status], file=out)
        return EXIT_OK
    print(f"{document.meta.title} — {document.meta.author}, {document.meta.publisher}", file=out)
    print("(extractive summary: each sentence quoted exactly, in document order)\n", file=out)
    for sentence in summary.sentences:
        print(f"“{unwrap(sentence.text)}” (¶{sentence.paragraph})", file=out)
    return EXIT_OK


def _index(args: argparse.Namespace, snapshot: Snapshot, out: TextIO) -> int:
    import resource

    report = {
        "documents": len(snapshot.documents),
        "passages": snapshot.index.size,
        "terms": len(snapshot.index.vocab),
        "load_ms": round(snapshot.load_ms, 1),
        "index_ms": round(snapshot.index_ms, 1),
        "cache": "hit" if snapshot.cache == "hit" else "miss",
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if args.json:
        print(json.dumps(report), file=out)
    else:
        for key, value in report.items():
            print(f"{key}: {value}", file=out)
    return EXIT_OK


def _feedback(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Totals from the feedback database, read only: a missing file is not created."""
    from pathlib import Path

    from bot.feedback import FeedbackError, FeedbackStore

    path = Path(args.database)
    if not path.is_file():
        raise UsageError(f"no feedback database at {str(path)!r} (set DATABASE_PATH or --database)")
    if args.days is not None and args.days < 1:
        raise UsageError(f"--days must be at least 1, got {args.days}")
    with FeedbackStore.sqlite(path) as store:
        try:
            totals = store.totals(args.days)
        except FeedbackError as exc:
            print(f"error: {exc}", file=err)
            return EXIT_KNOWLEDGE
    if args.json:
        print(json.dumps(totals.to_json(), ensure_ascii=False), file=out)
        return EXIT_OK
    span = f"the last {args.days} days" if args.days else "everything kept"
    print(f"feedback in {path} ({span})", file=out)
    print(f"{'document':<40} {'answers':>8} {'declined':>8} {'helpful':>8} {'not':>8}", file=out)
    for doc in totals.per_document:
        print(f"{doc.doc_id:<40} {doc.answers:>8} {doc.declined:>8} {doc.helpful:>8} {doc.not_helpful:>8}", file=out)
    print(f"{'day (UTC)':<12} {'asked':>8} {'answered':>8} {'declined':>8} {'helpful':>8} {'not':>8}", file=out)
    for day in totals.per_day:
        print(
            f"{day.day.isoformat():<12} {day.asked:>8} {day.answered:>8} {day.declined:>8}"
            f" {day.helpful:>8} {day.not_helpful:>8}",
            file=out,
        )
    return EXIT_OK


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _gaps(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The gap report from the feedback database, read only: a missing file is not created.

    Grouped by meaning when the sentence model is installed (as /gaps does), else by words.
    """
    from pathlib import Path

    from bot.feedback import FeedbackError, FeedbackStore

    path = Path(args.database)
    if not path.is_file():
        raise UsageError(f"no feedback database at {str(path)!r} (set DATABASE_PATH or --database)")
    if args.days < 1:
        raise UsageError(f"--days must be at least 1, got {args.days}")
    embed = None
    if not args.words:
        from bot.search.encoder import ModelError, load_encoder

        try:
            embed = load_encoder().encode
        except ModelError:
            embed = None  # grouping by words is the documented fallback
    with FeedbackStore.sqlite(path) as store:
        try:
            report = store.gaps(args.days, args.document, embed=embed)
        except FeedbackError as exc:
            print(f"error: {exc}", file=err)
            return EXIT_KNOWLEDGE
    if args.json:
        text = json.dumps(report.to_json(), ensure_ascii=False)
        # Questions are kept exactly, lone surrogates too: escaped, the JSON is still valid UTF-8.
        print(_LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text), file=out)
        return EXIT_OK

    def share(part: int, whole: int) -> str:
        return f"{100 * part / whole:.0f}%" if whole else "-"

    scope = f" in {args.document}" if args.document else ""
    print(f"gaps in {path}, the last {args.days} days{scope} (grouped by {report.grouping})", file=out)
    print(
        f"asked {report.asked}, answered {share(report.answered, report.asked)},"
        f" voted helpful {share(report.helpful_votes, report.votes)} of {report.votes} vote(s)",
        file=out,
    )
    for group in report.groups:
        question = " ".join(_text(group.question).split())
        print(f"{group.count:>5}  {question}", file=out)
        print(
            f"       seen {group.count} time(s), last on {group.last_seen:%Y-%m-%d};"
            f" {group.declined} not answered, {group.unhelpful} voted not helpful",
            file=out,
        )
        if group.quote:
            print(f"       shown: {' '.join(_text(group.quote).split())[:200]}", file=out)
    return EXIT_OK


def _sources(args: argparse.Namespace, snapshot: Snapshot, out: TextIO) -> int:
    rows = []
    for document in snapshot.documents:
        rows.append(
            {
                "doc_id": document.doc_id,
                "title": document.meta.title,
                "author": document.meta.author,
                "publisher": document.meta.publisher,
                "url": document.meta.url,
                "paragraphs": snapshot.paragraph_count(document),
                "path": document.path,
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False), file=out)
        return EXIT_OK
    for row in rows:
        print(f"{row['doc_id']}: {row['title']}", file=out)
        print(f"   {row['author']}, {row['publisher']}, {row['paragraphs']} paragraphs", file=out)
        if row["url"]:
            print(f"   {row['url']}", file=out)
    return EXIT_OK
