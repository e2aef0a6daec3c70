"""Check the eighteenth held-out set mechanically, and load it.

    python bench/data/heldout18/verify.py   # prints counts, exits 1 on any problem

Written to heldout5's rules with heldout17's counts, over another knowledge base: the
shipped article plus LGPL-3, MPL-1.1 and GFDL-1.2, a combination no earlier set's ``kb*/``
holds. So this is heldout5's checker (its question checks, its repeat rule against every
earlier set, heldout17 included, its counts and summaries) with this set's folder, id
prefixes and earlier sets, and with this set's own ``kb/`` check and per-document counts
in place of heldout5's, which name GPL-3, Apache-2.0 and MPL-2.0; it never runs the bot.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from later_heldout import _fifth_set_checker, earlier_than  # noqa: E402

fifth = _fifth_set_checker()
EARLIER = earlier_than(HERE)  # heldout to heldout17
# (answerable easy, answerable hard, unanswerable on topic, off topic), as the README states.
COUNTS = {"article": (20, 25, 5, 5), "multi": (20, 30, 6, 12)}
# Every single letter is taken by an earlier set's ids, so this set's are two letters:
# "ua" (eighteenth, article) and "um" (eighteenth, multi), then three digits.
PREFIXES = {"article": "ua", "multi": "um"}
LAYOUT = fifth.Layout(HERE, PREFIXES, EARLIER, COUNTS)
ARTICLE_ID = fifth.ARTICLE_ID
# kb/'s licence texts and the Debian files (package base-files) they were converted from.
DEBIAN = Path("/usr/share/common-licenses")
CONVERTED = {"lgpl-3": "LGPL-3", "mpl-1.1": "MPL-1.1", "gfdl-1.2": "GFDL-1.2"}
# Left out of a conversion, as heldout3's kb2/ left it out: the dashed rule under MPL-1.1's title.
DROPPED = {"mpl-1.1": "---------------"}
DOCS = (ARTICLE_ID, *CONVERTED)
# Answers per document in multi.jsonl, as heldout5 allows (11 to 14), and at least 5 easy in each.
PER_DOC = range(11, 15)
EASY_PER_DOC = 5
FRONT = ("title", "author", "publisher", "published", "section")


def load_questions(name: str) -> list[dict[str, object]]:
    """One question set (``article`` or ``multi``) as a list of dicts."""
    return fifth.load_questions(name, LAYOUT)


def check_counts(name: str, rows: list[dict[str, object]], problems: list[str]) -> None:
    """heldout5's make-up check, with this knowledge base's documents."""
    yes = [r for r in rows if r.get("answerable")]
    no = [r for r in rows if not r.get("answerable")]
    got = (
        sum(r.get("difficulty") == "easy" for r in yes),
        sum(r.get("difficulty") == "hard" for r in yes),
        sum(r.get("difficulty") == "hard" for r in no),
        sum(r.get("difficulty") == "easy" for r in no),
    )
    if got != COUNTS[name]:
        problems.append(f"{name}: (easy, hard, on topic, off topic) is {got}, expected {COUNTS[name]}")
    if name == "multi":
        per_doc = Counter(str(r.get("doc")) for r in yes)
        easy = Counter(str(r.get("doc")) for r in yes if r.get("difficulty") == "easy")
        uneven = {d: per_doc[d] for d in DOCS if per_doc[d] not in PER_DOC}
        if uneven:
            problems.append(f"multi: answers per document outside {PER_DOC.start}–{PER_DOC.stop - 1}: {uneven}")
        few = {d: easy[d] for d in DOCS if easy[d] < EASY_PER_DOC}
        if few:
            problems.append(f"multi: fewer than {EASY_PER_DOC} easy answers in {few}")


def check_kb(problems: list[str]) -> None:
    """kb/ holds the four documents: the shipped article byte for byte, and three Debian texts.

    MPL-1.1's body is its Debian file without the dashed rule under the title (heldout3's
    ``kb2/`` conversion, copied here byte for byte).

    Each licence file has heldout4's front matter (the ``# source:`` and ``# licence:``
    comment lines, then title, author, publisher, published, section), no line break inside
    a paragraph, and a body equal to its Debian file after white space normalisation.
    """
    kb = LAYOUT.kb
    names = sorted(p.stem for p in kb.glob("*.md"))
    if names != sorted(DOCS):
        problems.append(f"kb: documents {names}, expected {sorted(DOCS)}")
    shipped = fifth.ROOT / "knowledge" / f"{ARTICLE_ID}.md"
    copy = kb / f"{ARTICLE_ID}.md"
    if shipped.exists() and copy.exists() and shipped.read_bytes() != copy.read_bytes():
        problems.append(f"kb: {ARTICLE_ID}.md differs from knowledge/{ARTICLE_ID}.md")
    for stem, debian in CONVERTED.items():
        path = kb / f"{stem}.md"
        if not path.exists():
            continue
        text = path.read_text("utf-8")
        head = text.split("\n---\n", 1)[0]
        if f"\n# source: Debian {DEBIAN / debian} " not in head or "\n# licence: " not in head:
            problems.append(f"kb {stem}: front matter lacks the # source: and # licence: lines")
        front, body = fifth.read_document(path)
        if sorted(front) != sorted(FRONT):
            problems.append(f"kb {stem}: front matter fields {sorted(front)}, expected {sorted(FRONT)}")
        original = (DEBIAN / debian).read_text().split() if (DEBIAN / debian).exists() else None
        if original is not None and stem in DROPPED:
            original.remove(DROPPED[stem])
        if original is not None and " ".join(body.split()) != " ".join(original):
            problems.append(f"kb {stem}: body differs from {DEBIAN / debian} beyond white space")
        if any("\n" in p.strip() for p in body.split("\n\n")):
            problems.append(f"kb {stem}: a paragraph still has a line break inside it")


def main(argv: list[str]) -> int:
    if argv:
        print("usage: verify.py")
        return 2
    problems: list[str] = []
    try:
        sets = {name: fifth.check_questions(name, problems, LAYOUT) for name in fifth.SETS}
    except (OSError, ValueError) as error:  # a missing or unreadable file, a line that is not JSON
        print(f"problem: cannot read the set: {error}")
        return 1
    for name, rows in sets.items():
        check_counts(name, rows, problems)
    fifth.check_repeats(sets, problems, LAYOUT)
    check_kb(problems)
    left = sorted(set(range(len(fifth.article_paragraphs(LAYOUT)))) - fifth.asked(sets["article"], LAYOUT))
    if left:
        problems.append(f"article: body paragraphs without a question: {left}")
    for name, rows in sets.items():
        print(fifth.summarise(name, rows, LAYOUT))
    docs = sorted(LAYOUT.kb.glob("*.md"))
    print(f"{LAYOUT.kb.name}/: {len(docs)} documents, {sum(len(fifth.paragraphs(p)) for p in docs)} paragraphs")
    for p in problems:
        print("problem:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
