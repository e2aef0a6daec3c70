"""heldout5's checker for a later held-out set written to its rules (heldout6 onwards).

Each such set's ``verify.py`` is only its layout (folder, id letters, earlier sets,
counts) handed to ``checker``, or, over the article and other Debian licences (heldout17
onwards), to ``converted_checker``; the rules and the format live once, in heldout5's file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
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


# Where the licence texts of a set over other Debian licences were converted from (package base-files).
DEBIAN = Path("/usr/share/common-licenses")
# heldout4's front matter fields for a converted licence.
_FRONT = ("title", "author", "publisher", "published", "section")
# Easy answers per document in multi.jsonl, at least (heldout5's check allows 11 to 14 answers in each).
_EASY_PER_DOC = 5


@dataclass(frozen=True)
class Origin:
    """Where a kb/ licence text came from: what its ``# source:`` line names, and the text itself.

    ``text`` is the file the body must equal after white space normalisation (skipped when
    it is absent); ``shown`` names it in a problem; ``dropped`` is a word the conversion
    left out of it (heldout3's MPL-1.1 lost the dashed rule under its title).
    """

    source: str
    text: Path
    shown: str
    dropped: str | None = None


def converted_checker(
    folder: Path,
    prefixes: Mapping[str, str],
    earlier: Sequence[str],
    counts: Mapping[str, tuple[int, int, int, int]],
    converted: Mapping[str, str],
    dropped: Mapping[str, str] | None = None,
) -> tuple[Callable[[str], list[dict[str, object]]], Callable[[list[str]], int]]:
    """(load_questions, main) for a set whose kb/ is the article plus licences converted from Debian.

    ``converted`` maps each licence's file stem to its Debian file; ``dropped`` a word a
    conversion left out of it (heldout3's MPL-1.1 lost the dashed rule under its title).
    """
    left_out = dropped or {}
    origins = {
        stem: Origin(f"Debian {DEBIAN / debian}", DEBIAN / debian, str(DEBIAN / debian), left_out.get(stem))
        for stem, debian in converted.items()
    }
    return licence_checker(folder, prefixes, earlier, counts, origins)


def licence_checker(
    folder: Path,
    prefixes: Mapping[str, str],
    earlier: Sequence[str],
    counts: Mapping[str, tuple[int, int, int, int]],
    origins: Mapping[str, Origin],
    extra_kb_check: Callable[[list[str]], None] | None = None,
) -> tuple[Callable[[str], list[dict[str, object]]], Callable[[list[str]], int]]:
    """(load_questions, main) for a set whose kb/ is the article plus licence texts from ``origins``.

    heldout5's checks (questions, repeats against every earlier set, counts, summaries),
    with this kb/'s own check and per-document counts in place of heldout5's, which name
    GPL-3, Apache-2.0 and MPL-2.0. ``extra_kb_check`` adds a set's own kb/ problems.
    """
    fifth = _fifth_set_checker()
    layout = fifth.Layout(folder, prefixes, tuple(earlier), counts)
    docs = (fifth.ARTICLE_ID, *origins)

    def check_counts(name: str, rows: list[dict[str, object]], problems: list[str], layout: fifth.Layout) -> None:
        """heldout5's make-up check over this kb/'s documents, and at least a few easy answers in each."""
        fifth.check_counts(name, rows, problems, layout, docs)
        if name == "multi":
            easy = Counter(str(r.get("doc")) for r in rows if r.get("answerable") and r.get("difficulty") == "easy")
            few = {d: easy[d] for d in docs if easy[d] < _EASY_PER_DOC}
            if few:
                problems.append(f"multi: fewer than {_EASY_PER_DOC} easy answers in {few}")

    def check_kb(problems: list[str], layout: fifth.Layout) -> None:
        """kb/ holds the four documents: the shipped article byte for byte, and the licence texts.

        Each licence file has heldout4's front matter (the ``# source:`` and ``# licence:``
        comment lines, then title, author, publisher, published, section), no line break
        inside a paragraph, and a body equal to its origin's text (less ``dropped``) after
        white space normalisation.
        """
        kb = layout.kb
        names = sorted(p.stem for p in kb.glob("*.md"))
        if names != sorted(docs):
            problems.append(f"kb: documents {names}, expected {sorted(docs)}")
        shipped = fifth.ROOT / "knowledge" / f"{fifth.ARTICLE_ID}.md"
        copy = kb / f"{fifth.ARTICLE_ID}.md"
        if shipped.exists() and copy.exists() and shipped.read_bytes() != copy.read_bytes():
            problems.append(f"kb: {fifth.ARTICLE_ID}.md differs from knowledge/{fifth.ARTICLE_ID}.md")
        if extra_kb_check is not None:
            extra_kb_check(problems)
        for stem, origin in origins.items():
            path = kb / f"{stem}.md"
            if not path.exists():
                continue
            head = path.read_text("utf-8").split("\n---\n", 1)[0]
            if f"\n# source: {origin.source} " not in head or "\n# licence: " not in head:
                problems.append(f"kb {stem}: front matter lacks the # source: and # licence: lines")
            front, body = fifth.read_document(path)
            if sorted(front) != sorted(_FRONT):
                problems.append(f"kb {stem}: front matter fields {sorted(front)}, expected {sorted(_FRONT)}")
            original = origin.text.read_text("utf-8").split() if origin.text.exists() else None
            if original is not None and origin.dropped is not None:
                original.remove(origin.dropped)
            if original is not None and " ".join(body.split()) != " ".join(original):
                problems.append(f"kb {stem}: body differs from {origin.shown} beyond white space")
            if any("\n" in p.strip() for p in body.split("\n\n")):
                problems.append(f"kb {stem}: a paragraph still has a line break inside it")

    main = partial(fifth.main, layout=layout, counts_check=check_counts, kb_check=check_kb)
    return partial(fifth.load_questions, layout=layout), main


def choosealicense_checker(
    folder: Path,
    prefixes: Mapping[str, str],
    counts: Mapping[str, tuple[int, int, int, int]],
    sources: Mapping[str, tuple[str, str]],
) -> tuple[Callable[[str], list[dict[str, object]]], Callable[[list[str]], int]]:
    """``licence_checker`` for a set whose licences are github/choosealicense.com texts kept in source/.

    ``sources`` maps each kb/ stem to (its choosealicense file, the sha256 of source/<stem>.txt,
    that file's text after its YAML front matter, stored byte for byte), so the check needs no
    network: source/ must hold exactly those files with those digests, and each kb/ body must
    equal its file after white space normalisation. Earlier sets are every one before ``folder``.
    """
    stored = folder / "source"
    origins = {
        stem: Origin(f"github/choosealicense.com {origin}", stored / f"{stem}.txt", f"source/{stem}.txt")
        for stem, (origin, _) in sources.items()
    }

    def check_sources(problems: list[str]) -> None:
        """source/ holds one <stem>.txt per licence, each with the sha256 recorded for it."""
        names = sorted(p.name for p in stored.glob("*"))
        if names != sorted(f"{stem}.txt" for stem in sources):
            problems.append(f"source: files {names}, expected one <stem>.txt per licence")
        for stem, (origin, digest) in sources.items():
            source = stored / f"{stem}.txt"
            if not source.exists():
                problems.append(f"source {stem}.txt: missing, so kb/{stem}.md is not compared with {origin}")
            elif hashlib.sha256(source.read_bytes()).hexdigest() != digest:
                problems.append(f"source {stem}.txt: sha256 is not the one recorded for {origin}")

    return licence_checker(folder, prefixes, earlier_than(folder), counts, origins, extra_kb_check=check_sources)
