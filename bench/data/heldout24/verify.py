"""Check the twenty-fourth held-out set mechanically, and load it.

    python bench/data/heldout24/verify.py   # prints counts, exits 1 on any problem

Written to heldout5's rules with heldout23's counts, over a knowledge base of the shipped
article and three licence texts no earlier set holds: the RealNetworks Public Source License
Version 1.0, the Intel ACPI Software License Agreement and the Attribution Assurance License,
taken, unlike heldout19's to heldout23's (github/choosealicense.com), from the SPDX License
List's public repository github/spdx/license-list-data, files ``text/<SPDX id>.txt``. So this is
``later_heldout.licence_checker`` (heldout5's question checks, its repeat rule against every
earlier set, heldout23 included, its counts and summaries, with this set's folder, id prefixes,
earlier sets and counts, and its make-up and ``kb/`` checks over this kb/'s documents), given one
``later_heldout.Origin`` per licence: the SPDX text stored in ``source/`` byte for byte (pinned by
sha256 below), so the check needs no network. It never runs the bot.

``later_heldout.choosealicense_checker`` is not reused as is only because its ``# source:`` line
and problem messages name github/choosealicense.com; ``spdx_checker`` below is the same function
with the SPDX repository's name, so ``bench/data/later_heldout.py`` is not changed. The earlier
sets are taken from this folder's name (``later_heldout.earlier_than``: heldout and heldout2 to
heldout23 for heldout24).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from later_heldout import Origin, earlier_than, licence_checker  # noqa: E402

# (answerable easy, answerable hard, unanswerable on topic, off topic), as the README states.
COUNTS = {"article": (20, 25, 5, 5), "multi": (20, 30, 6, 12)}
# Every single letter is taken by an earlier set's ids, and "sa"/"sm" to "za"/"zm" by heldout16 to
# heldout23, so this set's are "zb" (twenty-fourth, article) and "zn" (twenty-fourth, multi).
PREFIXES = {"article": "zb", "multi": "zn"}
# Where the licence texts come from: the SPDX License List's data repository on GitHub.
REPOSITORY = "github/spdx/license-list-data"
# kb/'s licence texts: the SPDX file each came from (its commit in REPOSITORY) and the sha256 of
# source/<stem>.txt, that file's text stored byte for byte (SPDX's text files have no front matter).
SOURCES = {
    "rpsl-1.0": (
        "text/RPSL-1.0.txt",
        "6f844c725faa6230c66f0551bba0ea49ed018bb7",
        "230066aba74f3f53a10b1ca1f8be7a0695c480dc74ff48b298a5d3d873742141",
    ),
    "intel-acpi": (
        "text/Intel-ACPI.txt",
        "199db90ccf10c7014419d6055dfebf488f04fed1",
        "ec4af22e0cc2bea71e502df1f4f3d2361345cc03cc93bac8380e076e761ed30c",
    ),
    "aal": (
        "text/AAL.txt",
        "66e38e40a1502f2bdb667bb828914b4feb33e579",
        "aa8875df4a1ff97d79727d4afa5675499be1fd23a55b354da81dd560edde50d0",
    ),
}


def spdx_checker(
    folder: Path,
    prefixes: Mapping[str, str],
    counts: Mapping[str, tuple[int, int, int, int]],
    sources: Mapping[str, tuple[str, str, str]],
) -> tuple[Callable[[str], list[dict[str, object]]], Callable[[list[str]], int]]:
    """``licence_checker`` for a set whose licences are SPDX texts kept in source/.

    ``sources`` maps each kb/ stem to (its SPDX file, that file's commit, the sha256 of
    source/<stem>.txt, stored byte for byte), so the check needs no network: source/ must hold
    exactly those files with those digests, each kb/ body must equal its file after white space
    normalisation, and each kb/ file's ``# source:`` line must name the SPDX file. Earlier sets
    are every one before ``folder``.
    """
    stored = folder / "source"
    origins = {
        stem: Origin(f"{REPOSITORY} {origin}", stored / f"{stem}.txt", f"source/{stem}.txt")
        for stem, (origin, _, _) in sources.items()
    }

    def check_sources(problems: list[str]) -> None:
        """source/ holds one <stem>.txt per licence, each with the sha256 recorded for it."""
        names = sorted(p.name for p in stored.glob("*"))
        if names != sorted(f"{stem}.txt" for stem in sources):
            problems.append(f"source: files {names}, expected one <stem>.txt per licence")
        for stem, (origin, commit, digest) in sources.items():
            source = stored / f"{stem}.txt"
            where = f"{REPOSITORY} {origin} at {commit[:7]}"
            if not source.exists():
                problems.append(f"source {stem}.txt: missing, so kb/{stem}.md is not compared with {where}")
            elif hashlib.sha256(source.read_bytes()).hexdigest() != digest:
                problems.append(f"source {stem}.txt: sha256 is not the one recorded for {where}")

    return licence_checker(folder, prefixes, earlier_than(folder), counts, origins, extra_kb_check=check_sources)


load_questions, main = spdx_checker(HERE, PREFIXES, COUNTS, SOURCES)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
