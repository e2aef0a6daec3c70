"""Check the twenty-second held-out set mechanically, and load it.

    python bench/data/heldout22/verify.py   # prints counts, exits 1 on any problem

Written to heldout5's rules with heldout21's counts, over a knowledge base of the shipped
article and three more licence texts no earlier set holds: the CERN Open Hardware Licence
Version 2 - Permissive, the Microsoft Reciprocal License and the Universal Permissive License,
taken, as heldout19's to heldout21's were, from the public repository
github/choosealicense.com. So this is ``later_heldout.choosealicense_checker``, that is
``licence_checker`` (heldout5's question checks, its repeat rule against every earlier set,
heldout21 included, its counts and summaries, with this set's folder, id prefixes, earlier sets
and counts, and its make-up and ``kb/`` checks over this kb/'s documents), given one ``Origin``
per licence: the choosealicense text stored in ``source/`` (its licence text after
choosealicense's YAML front matter, byte for byte, pinned by sha256 below), so the check needs
no network. It never runs the bot.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from later_heldout import choosealicense_checker  # noqa: E402

# (answerable easy, answerable hard, unanswerable on topic, off topic), as the README states.
COUNTS = {"article": (20, 25, 5, 5), "multi": (20, 30, 6, 12)}
# Every single letter is taken by an earlier set's ids, and "sa"/"sm" to "xa"/"xm" by heldout16 to
# heldout21, so this set's are "ya" (twenty-second, article) and "ym" (twenty-second, multi).
PREFIXES = {"article": "ya", "multi": "ym"}
# kb/'s licence texts: the choosealicense file each came from (repository github/choosealicense.com,
# commit aed28f9933c9e8435c0f1d07aa563c0a830859bc) and the sha256 of source/<stem>.txt, that file's
# text after its YAML front matter (everything after the closing "---" line), stored byte for byte.
SOURCES = {
    "cern-ohl-p-2.0": (
        "_licenses/cern-ohl-p-2.0.txt",
        "1b0ac74323adc5932ea5d80170ff424e1d82709851ce39acf85106bfdac2c5c7",
    ),
    "ms-rl": ("_licenses/ms-rl.txt", "fbfee9ac4e5b37475682174c7fdece6b4432ca09f28f02ff4aafc466fce2c0d0"),
    "upl-1.0": ("_licenses/upl-1.0.txt", "7bfbe6d052dbadd5b96c64bab35bf83f66a1f5a83c71fed438af5e9f2445e976"),
}
load_questions, main = choosealicense_checker(HERE, PREFIXES, COUNTS, SOURCES)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
