"""Check the third held-out set mechanically, and load it.

    python bench/data/heldout3/verify.py   # prints counts, exits 1 on any problem

Checks only that the data is what it says it is (every answer inside its support and in
exactly one paragraph of exactly one document of its knowledge base, every support
verbatim in its document, after white space normalisation, no question repeating an
earlier set's); it never runs the bot. Loading helpers are here so that a scorer does
not re-implement the format.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent


def _second_set_checker() -> ModuleType:
    """heldout2's verify.py: this set keeps its format, so it reads files the same way."""
    spec = importlib.util.spec_from_file_location("heldout2_verify", HERE.parent / "heldout2" / "verify.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_second = _second_set_checker()
norm = _second.norm
read_document = _second.read_document
paragraphs = _second.paragraphs
ROOT = HERE.parents[2]
ARTICLE_ID = "eu-japan-defence-partnership"
# Each question set and the knowledge base its answers must come from.
SETS = {"article": HERE / "kb", "multi": HERE / "kb", "multi2": HERE / "kb2"}
FIELDS = ("id", "question", "answerable", "answer", "support", "kind", "difficulty")
KINDS = frozenset({"factoid", "paraphrase", "why", "who", "list", "multi", "document", "unanswerable"})
# Question sets this one must not repeat; the dev set proper lives outside the repository.
EARLIER = (
    ROOT.parent / "shared" / "eval" / "dev.jsonl",  # ../shared beside the project, when there
    ROOT / "tests" / "data" / "dev.jsonl",
    ROOT / "tests" / "data" / "extra.jsonl",
    ROOT / "tests" / "data" / "offtopic.jsonl",
    *sorted((ROOT / "bench" / "data" / "heldout").glob("*.jsonl")),
    *sorted((ROOT / "bench" / "data" / "heldout2").glob("*.jsonl")),
    ROOT / "bench" / "data" / "licences-dev" / "questions.jsonl",
)
# Word sets this alike count as a near repeat (shared words over all words).
NEAR = 0.8


def load_questions(name: str) -> list[dict[str, object]]:
    """One question set (``article``, ``multi`` or ``multi2``) as a list of dicts."""
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
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        problems.append(f"{name}: duplicate ids")
    for r in rows:
        where = f"{name} {r['id']}"
        missing = [f for f in (*FIELDS, "doc") if f not in r and (f != "doc" or has_doc)]
        if missing:
            problems.append(f"{where}: missing {missing}")
            continue
        if r["kind"] not in KINDS:
            problems.append(f"{where}: unknown kind {r['kind']!r}")
        if not r["answerable"]:
            if r["answer"] is not None or r["support"] is not None or r.get("doc") is not None:
                problems.append(f"{where}: unanswerable but has answer, support or doc")
            if r["kind"] != "unanswerable" or r["difficulty"] not in ("hard", "easy"):
                problems.append(f"{where}: unanswerable needs kind 'unanswerable' and difficulty hard or easy")
            continue
        if r["kind"] == "unanswerable" or r["difficulty"] != "hard":
            problems.append(f"{where}: answerable questions are hard and not of kind 'unanswerable'")
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
        if support in bio and not holders:
            continue  # an author question: answered by the bio sentence, which no paragraph repeats
        if not any(support in p for p in everywhere[doc]):
            problems.append(f"{where}: support not verbatim in one paragraph of {doc}")
        if len(holders) != 1 or holders[0][0] != doc:
            problems.append(f"{where}: answer in {len(holders)} paragraphs ({sorted({d for d, _ in holders})})")
    return rows


def words(question: object) -> list[str]:
    """A question's words, lower-cased; punctuation and spacing dropped."""
    return re.findall(r"\w+", str(question).lower())


def check_repeats(
    sets: dict[str, list[dict[str, object]]], problems: list[str], earlier_sets: Sequence[Path] = EARLIER
) -> None:
    """No question is word for word, or nearly, one of an earlier set's or of another here.

    ``earlier_sets`` lets a later set (heldout4) run the same check against its own list.
    """
    lines = [line for f in earlier_sets if f.exists() for line in f.read_text("utf-8").splitlines()]
    earlier = [words(json.loads(line)["question"]) for line in lines if line.strip()]
    seen: list[list[str]] = []
    for name, rows in sets.items():
        for r in rows:
            mine = words(r["question"])
            for other in (*earlier, *seen):
                a, b = set(mine), set(other)
                if mine == other or len(a & b) >= NEAR * len(a | b):
                    problems.append(f"{name} {r['id']}: the question repeats an earlier one: {' '.join(other)!r}")
                    break
            seen.append(mine)


def check_kb(problems: list[str]) -> None:
    """The article in kb/ and kb2/ is the shipped one, and kb/ is heldout2's, byte for byte."""
    shipped = ROOT / "knowledge" / f"{ARTICLE_ID}.md"
    for kb in (HERE / "kb", HERE / "kb2"):
        if shipped.exists() and shipped.read_bytes() != (kb / f"{ARTICLE_ID}.md").read_bytes():
            problems.append(f"{kb.name}: {ARTICLE_ID}.md differs from knowledge/{ARTICLE_ID}.md")
    before = ROOT / "bench" / "data" / "heldout2" / "kb"
    if before.is_dir():
        mine = {p.name: p.read_bytes() for p in (HERE / "kb").glob("*.md")}
        if mine != {p.name: p.read_bytes() for p in before.glob("*.md")}:
            problems.append("kb: not a byte-for-byte copy of bench/data/heldout2/kb")


def summarise(name: str, rows: list[dict[str, object]]) -> str:
    """One line of counts for a question set."""
    yes = [r for r in rows if r["answerable"]]
    no = [r for r in rows if not r["answerable"]]
    on = sum(r["difficulty"] == "hard" for r in no)
    kinds = ", ".join(f"{k} {n}" for k, n in Counter(str(r["kind"]) for r in rows).most_common())
    line = f"{name}.jsonl: {len(rows)} questions, {len(yes)} answerable, {len(no)} unanswerable"
    line += f" ({on} on topic, {len(no) - on} off topic)\n  kinds: {kinds}"
    if name != "article":
        per_doc = Counter(str(r["doc"]) for r in yes).most_common()
        line += "\n  answers per document: " + ", ".join(f"{d} {n}" for d, n in per_doc)
    else:
        paras = paragraphs(HERE / "kb" / f"{ARTICLE_ID}.md")
        asked = {i for r in yes for i, p in enumerate(paras) if norm(str(r["answer"])) in p}
        line += f"\n  body paragraphs with an answer: {len(asked)} of {len(paras)}"
    return line


def main(argv: list[str]) -> int:
    if argv:
        print("usage: verify.py")
        return 2
    problems: list[str] = []
    sets = {name: check_questions(name, problems) for name in SETS}
    check_repeats(sets, problems)
    check_kb(problems)
    paras = paragraphs(HERE / "kb" / f"{ARTICLE_ID}.md")
    asked = {i for r in sets["article"] if r["answerable"] for i, p in enumerate(paras) if norm(str(r["answer"])) in p}
    if len(asked) != len(paras):
        problems.append(f"article: body paragraphs without a question: {sorted(set(range(len(paras))) - asked)}")
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
