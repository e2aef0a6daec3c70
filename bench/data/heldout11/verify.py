"""Check the eleventh held-out set mechanically, and load it.

    python bench/data/heldout11/verify.py   # prints counts, exits 1 on any problem

Written to heldout5's rules with this set's counts, so this is heldout5's checker with this
set's folder, id letters and earlier sets (heldout10 included); it never runs the bot.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
EARLIER = (
    "heldout",
    "heldout2",
    "heldout3",
    "heldout4",
    "heldout5",
    "heldout6",
    "heldout7",
    "heldout8",
    "heldout9",
    "heldout10",
)
# (answerable easy, answerable hard, unanswerable on topic, off topic), as the README states.
COUNTS = {"article": (20, 25, 5, 5), "multi": (20, 30, 6, 12)}


def _fifth_set_checker() -> ModuleType:
    """heldout5's verify.py, whose rules and format this set keeps."""
    spec = importlib.util.spec_from_file_location("heldout5_verify", HERE.parent / "heldout5" / "verify.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


_fifth = _fifth_set_checker()
ELEVENTH = _fifth.Layout(HERE, {"article": "s", "multi": "t"}, EARLIER, COUNTS)


def load_questions(name: str) -> list[dict[str, object]]:
    """One question set (``article`` or ``multi``) as a list of dicts."""
    return _fifth.load_questions(name, ELEVENTH)


def main(argv: list[str]) -> int:
    return _fifth.main(argv, ELEVENTH)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
