"""Check the nineteenth held-out set mechanically, and load it.

    python bench/data/heldout19/verify.py   # prints counts, exits 1 on any problem

Written to heldout5's rules with heldout18's counts, over a knowledge base of the shipped
article and three licence texts no earlier set holds: EPL-2.0, EUPL-1.2 and CC BY 4.0, taken
from the public repository github/choosealicense.com, not from Debian. So this is
``later_heldout.checker`` (heldout5's question checks, its repeat rule against every earlier
set, heldout18 included, its counts and summaries, with this set's folder, id prefixes,
earlier sets and counts), given this set's own ``kb/`` check and per-document counts in
place of heldout5's, which name GPL-3, Apache-2.0 and MPL-2.0. The ``kb/`` check compares
each licence body with the choosealicense text stored in ``source/`` (its licence text after
choosealicense's YAML front matter, byte for byte, pinned by sha256 below), so it needs no
network and no Debian files. It never runs the bot.
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from later_heldout import _fifth_set_checker, checker, earlier_than  # noqa: E402

EARLIER = earlier_than(HERE)  # heldout to heldout18
# (answerable easy, answerable hard, unanswerable on topic, off topic), as the README states.
COUNTS = {"article": (20, 25, 5, 5), "multi": (20, 30, 6, 12)}
# Every single letter is taken by an earlier set's ids, and "sa"/"sm", "ta"/"tm", "ua"/"um" by
# heldout16 to heldout18, so this set's are "va" (nineteenth, article) and "vm" (nineteenth, multi).
PREFIXES = {"article": "va", "multi": "vm"}
# kb/'s licence texts: the choosealicense file each came from (repository github/choosealicense.com,
# commit aed28f9933c9e8435c0f1d07aa563c0a830859bc) and the sha256 of source/<stem>.txt, that file's
# text after its YAML front matter (everything after the closing "---" line), stored byte for byte.
SOURCES = {
    "epl-2.0": ("_licenses/epl-2.0.txt", "18e533a5ddb1bf3b88560e36ac97c56d75d767b066cb153162a53992a00298e2"),
    "eupl-1.2": ("_licenses/eupl-1.2.txt", "5e768318b4412927841e1ab48ac42952b1d3dcb0c2919193b64e06154b5c18a8"),
    "cc-by-4.0": ("_licenses/cc-by-4.0.txt", "d31e559032afb3f3d909580ffebaf572e434cbdf3a70bd1094789e04d17cd030"),
}
# heldout4's front matter fields for a converted licence, as in heldout17 and heldout18.
FRONT = ("title", "author", "publisher", "published", "section")
# Easy answers per document in multi.jsonl, at least (heldout5's check allows 11 to 14 answers in each).
EASY_PER_DOC = 5

_fifth = _fifth_set_checker()
DOCS = (_fifth.ARTICLE_ID, *SOURCES)

load_questions, _main = checker(HERE, PREFIXES, EARLIER, COUNTS)


def check_counts(name: str, rows: list[dict[str, object]], problems: list[str], layout: object) -> None:
    """heldout5's make-up check over this kb/'s documents, and at least a few easy answers in each."""
    _fifth.check_counts(name, rows, problems, layout, DOCS)
    if name == "multi":
        easy = Counter(str(r.get("doc")) for r in rows if r.get("answerable") and r.get("difficulty") == "easy")
        few = {d: easy[d] for d in DOCS if easy[d] < EASY_PER_DOC}
        if few:
            problems.append(f"multi: fewer than {EASY_PER_DOC} easy answers in {few}")


def check_kb(problems: list[str], layout: object) -> None:
    """kb/ holds the four documents: the shipped article byte for byte, and the three licence texts.

    Each licence file has heldout4's front matter (the ``# source:`` line naming
    github/choosealicense.com and the file, the ``# licence:`` line, then title, author,
    publisher, published, section), no line break inside a paragraph, and a body equal to
    the stored choosealicense text after white space normalisation; the stored text must
    have the sha256 above.
    """
    kb = HERE / "kb"
    names = sorted(p.stem for p in kb.glob("*.md"))
    if names != sorted(DOCS):
        problems.append(f"kb: documents {names}, expected {sorted(DOCS)}")
    shipped = _fifth.ROOT / "knowledge" / f"{_fifth.ARTICLE_ID}.md"
    copy = kb / f"{_fifth.ARTICLE_ID}.md"
    if shipped.exists() and copy.exists() and shipped.read_bytes() != copy.read_bytes():
        problems.append(f"kb: {_fifth.ARTICLE_ID}.md differs from knowledge/{_fifth.ARTICLE_ID}.md")
    stored = sorted(p.name for p in (HERE / "source").glob("*"))
    if stored != sorted(f"{stem}.txt" for stem in SOURCES):
        problems.append(f"source: files {stored}, expected one <stem>.txt per licence")
    for stem, (origin, digest) in SOURCES.items():
        path, source = kb / f"{stem}.md", HERE / "source" / f"{stem}.txt"
        if not path.exists() or not source.exists():
            continue
        if hashlib.sha256(source.read_bytes()).hexdigest() != digest:
            problems.append(f"source {stem}.txt: sha256 is not the one recorded for {origin}")
        head = path.read_text("utf-8").split("\n---\n", 1)[0]
        if f"\n# source: github/choosealicense.com {origin} " not in head or "\n# licence: " not in head:
            problems.append(f"kb {stem}: front matter lacks the # source: and # licence: lines")
        front, body = _fifth.read_document(path)
        if sorted(front) != sorted(FRONT):
            problems.append(f"kb {stem}: front matter fields {sorted(front)}, expected {sorted(FRONT)}")
        if " ".join(body.split()) != " ".join(source.read_text("utf-8").split()):
            problems.append(f"kb {stem}: body differs from source/{stem}.txt beyond white space")
        if any("\n" in p.strip() for p in body.split("\n\n")):
            problems.append(f"kb {stem}: a paragraph still has a line break inside it")


def main(argv: list[str]) -> int:
    """heldout5's checks with this set's layout, make-up check and kb/ check."""
    return _main(argv, counts_check=check_counts, kb_check=check_kb)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
