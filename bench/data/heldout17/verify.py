"""Check the seventeenth held-out set mechanically, and load it.

    python bench/data/heldout17/verify.py   # prints counts, exits 1 on any problem

Written to heldout5's rules with heldout16's counts, but over another knowledge base: the
shipped article plus GPL-1, LGPL-2 and GFDL-1.2, which no earlier set's ``kb*/`` holds. So
this is ``later_heldout.converted_checker``: heldout5's checker (its question checks, its
repeat rule against every earlier set, heldout16 included, its counts and summaries) with
this set's folder, id prefixes and earlier sets, and with this set's own ``kb/`` check and
per-document counts in place of heldout5's, which name GPL-3, Apache-2.0 and MPL-2.0; it
never runs the bot.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from later_heldout import converted_checker, earlier_than  # noqa: E402

EARLIER = earlier_than(HERE)  # heldout to heldout16
# (answerable easy, answerable hard, unanswerable on topic, off topic), as the README states.
COUNTS = {"article": (20, 25, 5, 5), "multi": (20, 30, 6, 12)}
# Every single letter is taken by an earlier set's ids, so this set's are two letters:
# "ta" (seventeenth, article) and "tm" (seventeenth, multi), then three digits.
PREFIXES = {"article": "ta", "multi": "tm"}
# kb/'s licence texts and the Debian files (package base-files) they were converted from.
CONVERTED = {"gpl-1": "GPL-1", "lgpl-2": "LGPL-2", "gfdl-1.2": "GFDL-1.2"}

load_questions, main = converted_checker(HERE, PREFIXES, EARLIER, COUNTS, CONVERTED)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
