"""Check the fifth held-out set mechanically, and load it.

    python bench/data/heldout5/verify.py   # prints counts, exits 1 on any problem

Checks only that the data is what it says it is (every answer inside its support and in
exactly one body paragraph of exactly one document of ``kb/``, every support a whole
sentence found verbatim in one paragraph of its document, after white space
normalisation, no question repeating an earlier set's, ``kb/`` a byte copy of heldout2's,
the counts the README states); it never runs the bot. Loading helpers are here so that a
scorer does not re-implement the format.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
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
DOCS = ("apache-2.0", ARTICLE_ID, "gpl-3", "mpl-2.0")
SETS = ("article", "multi")
FIELDS = ("id", "question", "answerable", "answer", "support", "kind", "difficulty")
KINDS = frozenset({"factoid", "paraphrase", "why", "who", "list", "multi", "document", "unanswerable"})
# The make-up the README states: (answerable easy, answerable hard, unanswerable on topic, off topic).
EXPECTED = {"article": (20, 25, 6, 4), "multi": (20, 30, 6, 4)}
# "Roughly evenly" over the four documents: answers per document in multi.jsonl.
PER_DOC = range(11, 15)
# Inside a paragraph a sentence ends in one of these; a clause ending "; and" ends only its paragraph.
ENDS = '.?!"”'


def _shared_dev() -> Path:
    """The shared dev set: ../shared beside the project (main checkout or worktree), else /work/shared."""
    places = [p / "shared" / "eval" / "dev.jsonl" for p in (ROOT.parent, ROOT.parents[1])]
    places.append(Path("/work/shared/eval/dev.jsonl"))
    return next((p for p in places if p.exists()), places[0])


@dataclass(frozen=True)
class Layout:
    """Where a set of this make-up lives, its id letters, the held-out sets before it, its counts.

    Every later set (heldout6 on) is written to the same rules: its checker is this one with
    its own layout, handed over by ``bench/data/later_heldout.py`` (most with their own
    counts, so ``expected`` defaults to this set's).
    """

    folder: Path
    prefix: Mapping[str, str]
    earlier_heldout: tuple[str, ...]
    expected: Mapping[str, tuple[int, int, int, int]] = field(default_factory=lambda: EXPECTED)

    @property
    def kb(self) -> Path:
        return self.folder / "kb"

    @property
    def earlier(self) -> tuple[Path, ...]:
        """Question sets this one must not repeat (a missing one is named in the output)."""
        return (
            _shared_dev(),
            *sorted((ROOT / "tests" / "data").glob("*.jsonl")),
            *(f for name in self.earlier_heldout for f in sorted((ROOT / "bench" / "data" / name).glob("*.jsonl"))),
            ROOT / "bench" / "data" / "licences-dev" / "questions.jsonl",
        )


FIFTH = Layout(HERE, {"article": "e", "multi": "f"}, ("heldout", "heldout2", "heldout3", "heldout4"))


def load_questions(name: str, layout: Layout = FIFTH) -> list[dict[str, object]]:
    """One question set (``article`` or ``multi``) as a list of dicts."""
    lines = (layout.folder / f"{name}.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def raw_paragraphs(doc: str, layout: Layout = FIFTH) -> list[str]:
    """Body paragraphs with white space normalised but case kept, for the sentence check."""
    body = read_document(layout.kb / f"{doc}.md")[1]
    return [" ".join(p.split()) for p in body.split("\n\n") if p.strip() and not p.lstrip().startswith("#")]


def whole_sentence(support: str, paragraph: str) -> bool:
    """``support`` is one whole sentence of ``paragraph``: starts and ends where sentences do.

    A sentence starts a paragraph or follows one that ended; it ends its paragraph or ends
    in sentence punctuation; and it holds no sentence end followed by a capital inside it.
    """
    start = paragraph.find(support)
    if start < 0:
        return False
    end = start + len(support)
    after_end = start >= 2 and paragraph[start - 1] == " " and paragraph[start - 2] in ENDS
    starts = start == 0 or (after_end and not support[0].islower())
    ends = end == len(paragraph) or (support[-1] in ENDS and paragraph[end] == " ")
    inside = re.search(r"[.?!][\"”]? [A-Z]", support[:-1]) is not None
    return starts and ends and not inside


def check_questions(name: str, problems: list[str], layout: Layout = FIFTH) -> list[dict[str, object]]:
    """Shape and verbatim checks for one question set; every answer in exactly one paragraph."""
    rows = load_questions(name, layout)
    kb, prefix = layout.kb, layout.prefix[name]
    found = sorted(p.stem for p in kb.glob("*.md"))
    everywhere = {d: paragraphs(kb / f"{d}.md") for d in found}
    raw = {d: raw_paragraphs(d, layout) for d in found}
    has_doc = name != "article"
    ids = [str(r.get("id")) for r in rows]
    if ids != [f"{prefix}{i:03d}" for i in range(1, len(ids) + 1)]:
        problems.append(f"{name}: ids are not {prefix}001… in order")
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
        if not str(r["question"]).strip():
            problems.append(f"{where}: empty question")
        if not r["answerable"]:
            if r["answer"] is not None or r["support"] is not None or r.get("doc") is not None:
                problems.append(f"{where}: unanswerable but has answer, support or doc")
            if r["kind"] != "unanswerable":
                problems.append(f"{where}: unanswerable needs kind 'unanswerable'")
            continue
        if r["kind"] == "unanswerable":
            problems.append(f"{where}: answerable but of kind 'unanswerable'")
        doc = str(r["doc"]) if has_doc else ARTICLE_ID
        if doc not in everywhere:
            problems.append(f"{where}: unknown doc {doc!r}")
            continue
        answer, support = norm(str(r["answer"])), norm(str(r["support"]))
        if not 1 <= len(answer.split()) <= 12:
            problems.append(f"{where}: answer is {len(answer.split())} words")
        if answer not in support:
            problems.append(f"{where}: answer not in support")
        # Uniqueness is over the whole knowledge base, for the article set too: kb/ is what the bot searches.
        holders = [(d, i) for d, paras in everywhere.items() for i, p in enumerate(paras) if answer in p]
        if len(holders) != 1 or holders[0][0] != doc:
            problems.append(f"{where}: answer in {len(holders)} paragraphs ({sorted({d for d, _ in holders})})")
        places = [i for i, p in enumerate(everywhere[doc]) if support in p]
        if len(places) != 1:
            problems.append(f"{where}: support not verbatim in exactly one paragraph of {doc}")
        elif not whole_sentence(" ".join(str(r["support"]).split()), raw[doc][places[0]]):
            problems.append(f"{where}: support is not one whole sentence of its paragraph")
        elif len(holders) == 1 and holders[0][1] != places[0]:
            problems.append(f"{where}: answer and support in different paragraphs")
    return rows


def check_counts(
    name: str, rows: list[dict[str, object]], problems: list[str], layout: Layout = FIFTH, docs: Sequence[str] = DOCS
) -> None:
    """The make-up the README states, so that an edit cannot quietly change it (``docs``: kb/'s documents)."""
    yes = [r for r in rows if r.get("answerable")]
    no = [r for r in rows if not r.get("answerable")]
    got = (
        sum(r.get("difficulty") == "easy" for r in yes),
        sum(r.get("difficulty") == "hard" for r in yes),
        sum(r.get("difficulty") == "hard" for r in no),
        sum(r.get("difficulty") == "easy" for r in no),
    )
    if got != layout.expected[name]:
        problems.append(f"{name}: (easy, hard, on topic, off topic) is {got}, expected {layout.expected[name]}")
    if name == "multi":
        per_doc = Counter(str(r.get("doc")) for r in yes)
        uneven = {d: per_doc[d] for d in docs if per_doc[d] not in PER_DOC}
        if uneven:
            problems.append(f"multi: answers per document outside {PER_DOC.start}–{PER_DOC.stop - 1}: {uneven}")


def check_repeats(sets: dict[str, list[dict[str, object]]], problems: list[str], layout: Layout = FIFTH) -> None:
    """heldout3's repeat rule (word for word, or 80 % of distinct words shared) against the earlier sets."""
    earlier = layout.earlier
    missing = [str(f) for f in earlier if not f.exists()]
    if missing:
        print("note: earlier sets not found, not compared:", ", ".join(missing))
    _third.check_repeats(sets, problems, earlier)


def check_kb(problems: list[str], layout: Layout = FIFTH) -> None:
    """kb/ holds the four documents, its article is the shipped one and all of it is heldout2's, byte for byte."""
    kb = layout.kb
    names = sorted(p.stem for p in kb.glob("*.md"))
    if names != sorted(DOCS):
        problems.append(f"kb: documents {names}, expected {sorted(DOCS)}")
    shipped = ROOT / "knowledge" / f"{ARTICLE_ID}.md"
    copy = kb / f"{ARTICLE_ID}.md"
    if shipped.exists() and copy.exists() and shipped.read_bytes() != copy.read_bytes():
        problems.append(f"kb: {ARTICLE_ID}.md differs from knowledge/{ARTICLE_ID}.md")
    before = ROOT / "bench" / "data" / "heldout2" / "kb"
    if before.is_dir():
        mine = {p.name: p.read_bytes() for p in kb.iterdir()}
        if mine != {p.name: p.read_bytes() for p in before.iterdir()}:
            problems.append("kb: not a byte-for-byte copy of bench/data/heldout2/kb")


def article_paragraphs(layout: Layout = FIFTH) -> list[str]:
    """The shipped article's body paragraphs, normalised."""
    return paragraphs(layout.kb / f"{ARTICLE_ID}.md")


def asked(rows: list[dict[str, object]], layout: Layout = FIFTH) -> set[int]:
    """Article paragraphs that hold the answer to at least one question."""
    paras = article_paragraphs(layout)
    return {i for r in rows if r["answerable"] for i, p in enumerate(paras) if norm(str(r["answer"])) in p}


def summarise(name: str, rows: list[dict[str, object]], layout: Layout = FIFTH) -> str:
    """A few lines of counts for a question set."""
    yes = [r for r in rows if r.get("answerable")]
    no = [r for r in rows if not r.get("answerable")]
    on = sum(r.get("difficulty") == "hard" for r in no)
    easy = sum(r.get("difficulty") == "easy" for r in yes)
    kinds = ", ".join(f"{k} {n}" for k, n in Counter(str(r.get("kind")) for r in rows).most_common())
    line = f"{name}.jsonl: {len(rows)} questions, {len(yes)} answerable ({easy} easy, {len(yes) - easy} hard),"
    line += f" {len(no)} unanswerable ({on} on topic, {len(no) - on} off topic)\n  kinds: {kinds}"
    if name != "article":
        per_doc = Counter(str(r.get("doc")) for r in yes).most_common()
        line += "\n  answers per document: " + ", ".join(f"{d} {n}" for d, n in per_doc)
    else:
        line += f"\n  body paragraphs with an answer: {len(asked(rows, layout))} of {len(article_paragraphs(layout))}"
    return line


def main(
    argv: list[str],
    layout: Layout = FIFTH,
    counts_check: Callable[[str, list[dict[str, object]], list[str], Layout], None] = check_counts,
    kb_check: Callable[[list[str], Layout], None] = check_kb,
) -> int:
    """Check every file; a set over other documents brings its own make-up and kb/ checks."""
    if argv:
        print("usage: verify.py")
        return 2
    problems: list[str] = []
    try:
        sets = {name: check_questions(name, problems, layout) for name in SETS}
    except (OSError, ValueError) as error:  # a missing or unreadable file, a line that is not JSON
        print(f"problem: cannot read the set: {error}")
        return 1
    for name, rows in sets.items():
        counts_check(name, rows, problems, layout)
    check_repeats(sets, problems, layout)
    kb_check(problems, layout)
    left = sorted(set(range(len(article_paragraphs(layout)))) - asked(sets["article"], layout))
    if left:
        problems.append(f"article: body paragraphs without a question: {left}")
    for name, rows in sets.items():
        print(summarise(name, rows, layout))
    docs = sorted(layout.kb.glob("*.md"))
    print(f"{layout.kb.name}/: {len(docs)} documents, {sum(len(paragraphs(p)) for p in docs)} paragraphs")
    for p in problems:
        print("problem:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
