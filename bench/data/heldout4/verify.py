"""Check the fourth held-out set mechanically, and load it.

    python bench/data/heldout4/verify.py   # prints counts, exits 1 on any problem

Checks only that the data is what it says it is (every answer inside its support and in
exactly one paragraph of exactly one document of its knowledge base, every support
verbatim in its document, after white space normalisation, no question repeating an
earlier set's, the copied files the same as their originals); it never runs the bot.
Loading helpers are here so that a scorer does not re-implement the format.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent


def _third_set_checker() -> ModuleType:
    """heldout3's verify.py: this set keeps its format and its repeat rule, so it shares them.

    heldout3's checker reads files with heldout2's helpers, which this one takes through it.
    """
    spec = importlib.util.spec_from_file_location("heldout3_verify", HERE.parent / "heldout3" / "verify.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_third = _third_set_checker()
norm = _third.norm
read_document = _third.read_document
paragraphs = _third.paragraphs
ROOT = HERE.parents[2]
ARTICLE_ID = "eu-japan-defence-partnership"
# Each question set and the knowledge base its answers must come from.
SETS = {"article": HERE / "kb", "multi": HERE / "kb", "multi3": HERE / "kb3"}
FIELDS = ("id", "question", "answerable", "answer", "support", "kind", "difficulty")
KINDS = frozenset({"factoid", "paraphrase", "why", "who", "list", "multi", "document", "unanswerable"})
PREFIX = {"article": "b", "multi": "c", "multi3": "d"}


def _shared_dev() -> Path:
    """The shared dev set beside the project: ../shared from the main checkout, ../../shared from a worktree."""
    places = [ROOT.parent / "shared" / "eval" / "dev.jsonl", ROOT.parents[1] / "shared" / "eval" / "dev.jsonl"]
    return next((p for p in places if p.exists()), places[0])


# Question sets this one must not repeat (a missing one is named in the output).
EARLIER = (
    _shared_dev(),
    *sorted((ROOT / "tests" / "data").glob("*.jsonl")),
    *sorted((ROOT / "bench" / "data" / "heldout").glob("*.jsonl")),
    *sorted((ROOT / "bench" / "data" / "heldout2").glob("*.jsonl")),
    *sorted((ROOT / "bench" / "data" / "heldout3").glob("*.jsonl")),
    ROOT / "bench" / "data" / "licences-dev" / "questions.jsonl",
)
# kb3's licence texts and the Debian files they were converted from (base-files).
DEBIAN = Path("/usr/share/common-licenses")
CONVERTED = {"gpl-2": "GPL-2", "lgpl-2.1": "LGPL-2.1", "artistic-1.0": "Artistic"}


def load_questions(name: str) -> list[dict[str, object]]:
    """One question set (``article``, ``multi`` or ``multi3``) as a list of dicts."""
    lines = (HERE / f"{name}.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def check_questions(name: str, problems: list[str]) -> list[dict[str, object]]:
    """Shape and verbatim checks for one question set; every answer in exactly one paragraph."""
    rows = load_questions(name)
    kb = SETS[name]
    docs = [ARTICLE_ID] if name == "article" else sorted(p.stem for p in kb.glob("*.md"))
    everywhere = {d: paragraphs(kb / f"{d}.md") for d in sorted(p.stem for p in kb.glob("*.md"))}
    bio = norm(str(read_document(kb / f"{ARTICLE_ID}.md")[0].get("author_bio") or ""))
    has_doc = name != "article"
    ids = [str(r.get("id")) for r in rows]
    if len(set(ids)) != len(ids):
        problems.append(f"{name}: duplicate ids")
    if ids != [f"{PREFIX[name]}{i:03d}" for i in range(1, len(ids) + 1)]:
        problems.append(f"{name}: ids are not {PREFIX[name]}001… in order")
    authors = 0
    for r in rows:
        where = f"{name} {r.get('id')}"
        expected = [*FIELDS[:3], *(["doc"] if has_doc else []), *FIELDS[3:]]
        if list(r) != expected:
            problems.append(f"{where}: fields {list(r)}, expected {expected}")
            continue
        if r["kind"] not in KINDS:
            problems.append(f"{where}: unknown kind {r['kind']!r}")
        if r["difficulty"] not in ("hard", "easy"):
            problems.append(f"{where}: difficulty must be hard or easy")
        if not r["answerable"]:
            if r["answer"] is not None or r["support"] is not None or r.get("doc") is not None:
                problems.append(f"{where}: unanswerable but has answer, support or doc")
            if r["kind"] != "unanswerable":
                problems.append(f"{where}: unanswerable needs kind 'unanswerable'")
            continue
        if r["kind"] == "unanswerable":
            problems.append(f"{where}: answerable but of kind 'unanswerable'")
        doc = str(r["doc"]) if has_doc else ARTICLE_ID
        answer, support = norm(str(r["answer"])), norm(str(r["support"]))
        if not 1 <= len(answer.split()) <= 12:
            problems.append(f"{where}: answer is {len(answer.split())} words")
        if answer not in support:
            problems.append(f"{where}: answer not in support")
        if doc not in docs:
            problems.append(f"{where}: unknown doc {doc!r}")
            continue
        # Uniqueness is over the whole knowledge base, for the article set too: kb/ is what the bot searches.
        holders = [(d, i) for d, paras in everywhere.items() for i, p in enumerate(paras) if answer in p]
        if doc == ARTICLE_ID and support in bio and not holders:
            authors += 1  # an author question: answered by the bio sentence, which no paragraph repeats
            continue
        if sum(support in p for p in everywhere[doc]) != 1:
            problems.append(f"{where}: support not verbatim in exactly one paragraph of {doc}")
        if len(holders) != 1 or holders[0][0] != doc:
            problems.append(f"{where}: answer in {len(holders)} paragraphs ({sorted({d for d, _ in holders})})")
    if authors > 1:
        problems.append(f"{name}: {authors} questions answered from the author bio, at most one allowed")
    return rows


def check_repeats(sets: dict[str, list[dict[str, object]]], problems: list[str]) -> None:
    """heldout3's repeat rule (word for word, or 80 % of distinct words shared) against ``EARLIER``."""
    missing = [str(f) for f in EARLIER if not f.exists()]
    if missing:
        print("note: earlier sets not found, not compared:", ", ".join(missing))
    _third.check_repeats(sets, problems, EARLIER)


def check_kb(problems: list[str]) -> None:
    """Copied files are their originals: byte for byte, or (kb3's licences) Debian's text with lines joined."""
    shipped = ROOT / "knowledge" / f"{ARTICLE_ID}.md"
    for kb in (HERE / "kb", HERE / "kb3"):
        copy = kb / f"{ARTICLE_ID}.md"
        if not copy.exists():
            problems.append(f"{kb.name}: no {ARTICLE_ID}.md")
        elif shipped.exists() and shipped.read_bytes() != copy.read_bytes():
            problems.append(f"{kb.name}: {ARTICLE_ID}.md differs from knowledge/{ARTICLE_ID}.md")
    before = ROOT / "bench" / "data" / "heldout2" / "kb"
    if before.is_dir():
        mine = {p.name: p.read_bytes() for p in (HERE / "kb").glob("*.md")}
        if mine != {p.name: p.read_bytes() for p in before.glob("*.md")}:
            problems.append("kb: not a byte-for-byte copy of bench/data/heldout2/kb")
    names = sorted(p.stem for p in (HERE / "kb3").glob("*.md"))
    if names != sorted([ARTICLE_ID, *CONVERTED]):
        problems.append(f"kb3: documents {names}")
    for stem, debian in CONVERTED.items():
        path = HERE / "kb3" / f"{stem}.md"
        if not path.exists():
            continue
        text = path.read_text("utf-8")
        if "\n# source: Debian " not in text.split("\n---\n", 1)[0] or "\n# licence: " not in text:
            problems.append(f"kb3 {stem}: front matter lacks the # source: and # licence: lines")
        body = read_document(path)[1]
        if (DEBIAN / debian).exists() and " ".join(body.split()) != " ".join((DEBIAN / debian).read_text().split()):
            problems.append(f"kb3 {stem}: body differs from {DEBIAN / debian} beyond white space")
        if any("\n" in p.strip() for p in body.split("\n\n")):
            problems.append(f"kb3 {stem}: a paragraph still has a line break inside it")


def summarise(name: str, rows: list[dict[str, object]]) -> str:
    """A few lines of counts for a question set."""
    yes = [r for r in rows if r["answerable"]]
    no = [r for r in rows if not r["answerable"]]
    on = sum(r["difficulty"] == "hard" for r in no)
    easy = sum(r["difficulty"] == "easy" for r in yes)
    kinds = ", ".join(f"{k} {n}" for k, n in Counter(str(r["kind"]) for r in rows).most_common())
    line = f"{name}.jsonl: {len(rows)} questions, {len(yes)} answerable ({easy} easy, {len(yes) - easy} hard),"
    line += f" {len(no)} unanswerable ({on} on topic, {len(no) - on} off topic)\n  kinds: {kinds}"
    if name != "article":
        per_doc = Counter(str(r["doc"]) for r in yes).most_common()
        line += "\n  answers per document: " + ", ".join(f"{d} {n}" for d, n in per_doc)
    else:
        line += f"\n  body paragraphs with an answer: {len(asked(rows))} of {len(article_paragraphs())}"
    return line


def article_paragraphs() -> list[str]:
    """The shipped article's body paragraphs, normalised."""
    return paragraphs(HERE / "kb" / f"{ARTICLE_ID}.md")


def asked(rows: list[dict[str, object]]) -> set[int]:
    """Article paragraphs that hold the answer to at least one question."""
    paras = article_paragraphs()
    return {i for r in rows if r["answerable"] for i, p in enumerate(paras) if norm(str(r["answer"])) in p}


def main(argv: list[str]) -> int:
    if argv:
        print("usage: verify.py")
        return 2
    problems: list[str] = []
    try:
        sets = {name: check_questions(name, problems) for name in SETS}
    except (OSError, ValueError) as error:  # a missing or unreadable file, a line that is not JSON
        print(f"problem: cannot read the set: {error}")
        return 1
    check_repeats(sets, problems)
    check_kb(problems)
    left = sorted(set(range(len(article_paragraphs()))) - asked(sets["article"]))
    if left:
        problems.append(f"article: body paragraphs without a question: {left}")
    for name, rows in sets.items():
        print(summarise(name, rows))
    for kb in sorted({*SETS.values()}):
        docs = sorted(kb.glob("*.md"))
        print(f"{kb.name}/: {len(docs)} documents, {sum(len(paragraphs(p)) for p in docs)} paragraphs")
    for p in problems:
        print("problem:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
