"""Check the twentieth held-out set mechanically, and load it.

    python bench/data/heldout20/verify.py   # prints counts, exits 1 on any problem

Written to heldout5's rules with heldout19's counts, over a knowledge base of the shipped
article and three more licence texts no earlier set holds: OSL-3.0, OFL-1.1 and ODbL-1.0,
taken, as heldout19's were, from the public repository github/choosealicense.com, not from
Debian. So this is ``later_heldout.choosealicense_checker``, that is ``licence_checker``
(heldout5's question checks, its repeat rule against every earlier set, heldout19 included, its
counts and summaries, with this set's folder, id prefixes, earlier sets and counts, and its
make-up and ``kb/`` checks over this kb/'s documents), given one ``Origin`` per licence: the
choosealicense text stored in ``source/`` (its licence text after choosealicense's YAML front
matter, byte for byte, pinned by sha256 below), so the check needs no network and no Debian
files. It never runs the bot.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from later_heldout import choosealicense_checker  # noqa: E402

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
load_questions, main = choosealicense_checker(HERE, PREFIXES, COUNTS, SOURCES)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
