"""Check the seventh held-out set mechanically, and load it.

    python bench/data/heldout7/verify.py   # prints counts, exits 1 on any problem

Checks only that the data is what it says it is (every answer inside its support and in
exactly one body paragraph of exactly one document of ``kb/``, every support a whole
sentence found verbatim in one paragraph of its document, after white space
normalisation, no question repeating an earlier set's, heldout5's and heldout6's included,
``kb/`` a byte copy of heldout2's, the counts the README states); it never runs the bot.
The set is written to heldout5's rules with other counts, so this is heldout5's checker
with this set's folder, id letters, earlier sets and counts.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from later_heldout import checker  # noqa: E402

EARLIER = ("heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6")
# (answerable easy, answerable hard, unanswerable on topic, off topic), as the README states.
COUNTS = {"article": (20, 25, 5, 5), "multi": (20, 30, 6, 8)}

load_questions, main = checker(HERE, {"article": "i", "multi": "j"}, EARLIER, COUNTS)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
