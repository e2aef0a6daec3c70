"""Check the twenty-first held-out set mechanically, and load it.

    python bench/data/heldout21/verify.py   # prints counts, exits 1 on any problem

Written to heldout5's rules with heldout20's counts, over a knowledge base of the shipped
article and three more licence texts no earlier set holds: LPPL-1.3c, MulanPSL-2.0 and the Vim
License, taken, as heldout19's and heldout20's were, from the public repository
github/choosealicense.com. So this is ``later_heldout.choosealicense_checker``, that is
``licence_checker`` (heldout5's question checks, its repeat rule against every earlier set,
heldout20 included, its counts and summaries, with this set's folder, id prefixes, earlier sets
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
# Every single letter is taken by an earlier set's ids, and "sa"/"sm" to "wa"/"wm" by heldout16 to
# heldout20, so this set's are "xa" (twenty-first, article) and "xm" (twenty-first, multi).
PREFIXES = {"article": "xa", "multi": "xm"}
# kb/'s licence texts: the choosealicense file each came from (repository github/choosealicense.com,
# commit aed28f9933c9e8435c0f1d07aa563c0a830859bc) and the sha256 of source/<stem>.txt, that file's
# text after its YAML front matter (everything after the closing "---" line), stored byte for byte.
SOURCES = {
    "lppl-1.3c": ("_licenses/lppl-1.3c.txt", "257f4444a033ebbd79b5e9ad8b5d59ac5806fab7c17db1698f99d97dace816e5"),
    "mulanpsl-2.0": ("_licenses/mulanpsl-2.0.txt", "4646a6dd989d5d96e3a3b9b389d42b752c3182fc62ee7ec119bd207ef63aa710"),
    "vim": ("_licenses/vim.txt", "0fda7f41ed777d0fa1f7c5973eb1a9a069d52564f23812c277a73a60608c6689"),
}
load_questions, main = choosealicense_checker(HERE, PREFIXES, COUNTS, SOURCES)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
