"""Check the twentieth held-out set mechanically, and load it.

    python bench/data/heldout20/verify.py   # prints counts, exits 1 on any problem

Written to heldout5's rules with heldout19's counts, over a knowledge base of the shipped
article and three more licence texts no earlier set holds: OSL-3.0, OFL-1.1 and ODbL-1.0,
taken, as heldout19's were, from the public repository github/choosealicense.com, not from
Debian. So this is ``later_heldout.licence_checker`` (heldout5's question checks, its repeat
rule against every earlier set, heldout19 included, its counts and summaries, with this set's
folder, id prefixes, earlier sets and counts, and its make-up and ``kb/`` checks over this
kb/'s documents), given one ``Origin`` per licence: the choosealicense text stored in
``source/`` (its licence text after choosealicense's YAML front matter, byte for byte, pinned
by sha256 below), so the check needs no network and no Debian files. It never runs the bot.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from later_heldout import Origin, earlier_than, licence_checker  # noqa: E402

EARLIER = earlier_than(HERE)  # heldout to heldout19
# (answerable easy, answerable hard, unanswerable on topic, off topic), as the README states.
COUNTS = {"article": (20, 25, 5, 5), "multi": (20, 30, 6, 12)}
# Every single letter is taken by an earlier set's ids, and "sa"/"sm" to "va"/"vm" by heldout16 to
# heldout19, so this set's are "wa" (twentieth, article) and "wm" (twentieth, multi).
PREFIXES = {"article": "wa", "multi": "wm"}
# kb/'s licence texts: the choosealicense file each came from (repository github/choosealicense.com,
# commit aed28f9933c9e8435c0f1d07aa563c0a830859bc) and the sha256 of source/<stem>.txt, that file's
# text after its YAML front matter (everything after the closing "---" line), stored byte for byte.
SOURCES = {
    "osl-3.0": ("_licenses/osl-3.0.txt", "bd883f16997c9fc75b37d69a40d25ada3cd8490de24335db31c2006837876cd8"),
    "ofl-1.1": ("_licenses/ofl-1.1.txt", "a12cac07b2f5c24957afcf4991982d7dfbf5f05396bef1ff3ec12e73498fd9d9"),
    "odbl-1.0": ("_licenses/odbl-1.0.txt", "8b3667413506bfc8dbe6debc9e1da097ef18418662eb07048957c7cff8b89b7f"),
}
ORIGINS = {
    stem: Origin(f"github/choosealicense.com {origin}", HERE / "source" / f"{stem}.txt", f"source/{stem}.txt")
    for stem, (origin, _) in SOURCES.items()
}


def check_sources(problems: list[str]) -> None:
    """source/ holds one <stem>.txt per licence, each with the sha256 recorded above."""
    stored = sorted(p.name for p in (HERE / "source").glob("*"))
    if stored != sorted(f"{stem}.txt" for stem in SOURCES):
        problems.append(f"source: files {stored}, expected one <stem>.txt per licence")
    for stem, (origin, digest) in SOURCES.items():
        source = HERE / "source" / f"{stem}.txt"
        if not source.exists():
            problems.append(f"source {stem}.txt: missing, so kb/{stem}.md is not compared with {origin}")
        elif hashlib.sha256(source.read_bytes()).hexdigest() != digest:
            problems.append(f"source {stem}.txt: sha256 is not the one recorded for {origin}")


load_questions, main = licence_checker(HERE, PREFIXES, EARLIER, COUNTS, ORIGINS, extra_kb_check=check_sources)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
