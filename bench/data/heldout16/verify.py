"""Check the sixteenth held-out set mechanically, and load it.

    python bench/data/heldout16/verify.py   # prints counts, exits 1 on any problem

Written to heldout5's rules with heldout15's counts, so this is heldout5's checker with this
set's folder, id prefixes and earlier sets (heldout15 included); it never runs the bot.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from later_heldout import checker, earlier_than  # noqa: E402

EARLIER = earlier_than(HERE)  # heldout to heldout15
# (answerable easy, answerable hard, unanswerable on topic, off topic), as the README states.
COUNTS = {"article": (20, 25, 5, 5), "multi": (20, 30, 6, 12)}
# Every single letter is taken by an earlier set's ids, so this set's are two letters:
# "sa" (sixteenth, article) and "sm" (sixteenth, multi), then three digits.
PREFIXES = {"article": "sa", "multi": "sm"}

load_questions, main = checker(HERE, PREFIXES, EARLIER, COUNTS)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
