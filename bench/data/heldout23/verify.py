"""Check the twenty-third held-out set mechanically, and load it.

    python bench/data/heldout23/verify.py   # prints counts, exits 1 on any problem

Written to heldout5's rules with heldout22's counts, over a knowledge base of the shipped
article and three more licence texts no earlier set holds: the University of Illinois/NCSA Open
Source License, the PostgreSQL License and the BSD Zero Clause License, taken, as heldout19's to
heldout22's were, from the public repository github/choosealicense.com. So this is
``later_heldout.choosealicense_checker``, that is ``licence_checker`` (heldout5's question checks,
its repeat rule against every earlier set, heldout22 included, its counts and summaries, with this
set's folder, id prefixes, earlier sets and counts, and its make-up and ``kb/`` checks over this
kb/'s documents), given one ``Origin`` per licence: the choosealicense text stored in ``source/``
(its licence text after choosealicense's YAML front matter, byte for byte, pinned by sha256 below),
so the check needs no network. It never runs the bot.

The earlier sets are not listed here: ``choosealicense_checker`` takes them from this folder's
name (``later_heldout.earlier_than``: heldout and heldout2 to heldout22 for heldout23), so
heldout22 is among them without any change to ``later_heldout.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from later_heldout import choosealicense_checker  # noqa: E402

# (answerable easy, answerable hard, unanswerable on topic, off topic), as the README states.
COUNTS = {"article": (20, 25, 5, 5), "multi": (20, 30, 6, 12)}
# Every single letter is taken by an earlier set's ids, and "sa"/"sm" to "ya"/"ym" by heldout16 to
# heldout22, so this set's are "za" (twenty-third, article) and "zm" (twenty-third, multi).
PREFIXES = {"article": "za", "multi": "zm"}
# kb/'s licence texts: the choosealicense file each came from (repository github/choosealicense.com,
# commit aed28f9933c9e8435c0f1d07aa563c0a830859bc) and the sha256 of source/<stem>.txt, that file's
# text after its YAML front matter (everything after the closing "---" line), stored byte for byte.
SOURCES = {
    "ncsa": ("_licenses/ncsa.txt", "6d731d9943e7b461b279e1ab8141508f04e20a4e422b3ccf5ec7b25b96f9e947"),
    "postgresql": (
        "_licenses/postgresql.txt",
        "6b4df5a99bdcf6407408ebf2896f6cd1f67301decda260f07678cf7a3ab11d75",
    ),
    "0bsd": ("_licenses/0bsd.txt", "5f9805ca5eb57d2f507a41aafd966b08b7538bea5b65b17fbfc7f28c2a0512be"),
}
load_questions, main = choosealicense_checker(HERE, PREFIXES, COUNTS, SOURCES)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
