"""Check the sixth held-out set mechanically, and load it.

    python bench/data/heldout6/verify.py   # prints counts, exits 1 on any problem

Checks only that the data is what it says it is (every answer inside its support and in
exactly one body paragraph of exactly one document of ``kb/``, every support a whole
sentence found verbatim in one paragraph of its document, after white space
normalisation, no question repeating an earlier set's, heldout5's included, ``kb/`` a byte
copy of heldout2's, the counts the README states); it never runs the bot. The set is
written to heldout5's rules, so this is heldout5's checker with this set's folder, id
letters and earlier sets.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from later_heldout import checker  # noqa: E402

load_questions, main = checker(
    HERE, {"article": "g", "multi": "h"}, ("heldout", "heldout2", "heldout3", "heldout4", "heldout5")
)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
