"""heldout5's checker for a later held-out set written to its rules (heldout6 onwards).

Each such set's ``verify.py`` is only its layout (folder, id letters, earlier sets,
counts) handed to ``checker``; the rules and the format live once, in heldout5's file.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Mapping, Sequence
from functools import cache, partial
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent


@cache
def _fifth_set_checker() -> ModuleType:
    """heldout5's verify.py, loaded under its own name (every set's file is called verify.py)."""
    spec = importlib.util.spec_from_file_location("heldout5_verify", HERE / "heldout5" / "verify.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def earlier_than(folder: Path) -> tuple[str, ...]:
    """Every held-out set written before ``folder`` (bench/data/heldout<N>): a set must repeat none of them."""
    number = int(folder.name.removeprefix("heldout"))
    return ("heldout", *(f"heldout{k}" for k in range(2, number)))


def checker(
    folder: Path,
    letters: Mapping[str, str],
    earlier: Sequence[str],
    counts: Mapping[str, tuple[int, int, int, int]] | None = None,
) -> tuple[Callable[[str], list[dict[str, object]]], Callable[[list[str]], int]]:
    """(load_questions, main) of heldout5's checker for the set in ``folder``.

    ``counts`` is (answerable easy, answerable hard, unanswerable on topic, off topic) per
    file, as the set's README states; without it, heldout5's own.
    """
    fifth = _fifth_set_checker()
    layout = fifth.Layout(folder, letters, tuple(earlier), fifth.EXPECTED if counts is None else counts)
    return partial(fifth.load_questions, layout=layout), partial(fifth.main, layout=layout)
