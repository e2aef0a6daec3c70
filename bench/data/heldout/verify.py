"""Check the held-out sets mechanically, and load them.

    python bench/data/heldout/verify.py      # prints counts, exits 1 on any problem

Checks only that the data is what it says it is (every answer inside its support, every
support and reference sentence verbatim in its document, after whitespace
normalisation); it never runs the bot. Loading helpers are here so that a scorer does
not re-implement the formats.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ARTICLE_ID = "eu-japan-defence-partnership"
ANSWER_FIELDS = ("id", "question", "answerable", "answer", "support", "kind", "difficulty")


def norm(text: str) -> str:
    """The hit definition's normalisation: lower case, runs of white space to one space."""
    return " ".join(text.split()).lower()


def read_document(path: Path) -> tuple[dict[str, object], str]:
    """Front matter and body of a knowledge file."""
    text = path.read_text("utf-8")
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def searchable_text(path: Path) -> str:
    """Body plus author bio, normalised: the text an answer's support may come from."""
    meta, body = read_document(path)
    return norm(body + " " + str(meta.get("author_bio") or ""))


def load_questions(name: str) -> list[dict[str, object]]:
    """One question set (``article`` or ``multi``) as a list of dicts."""
    lines = (HERE / f"{name}.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def load_references() -> dict[str, dict[str, object]]:
    """Summary references: doc id -> kind, key_points, extract."""
    return json.loads((HERE / "summaries" / "references.json").read_text("utf-8"))


def as_keypoints(references: dict[str, dict[str, object]]) -> dict[str, list[list[str]]]:
    """The references in tests/data/summaries/keypoints.json's shape (any phrase covers a point).

    A key point's sentences serve as its phrases, so coverage there means a chosen sentence
    contains one of the point's sentences.
    """
    return {doc: [list(p["sentences"]) for p in ref["key_points"]] for doc, ref in references.items()}  # type: ignore[index, union-attr]


def check_questions(name: str, folder: Path, problems: list[str]) -> list[dict[str, object]]:
    """Shape and verbatim checks for one question set."""
    rows = load_questions(name)
    texts = {p.stem: searchable_text(p) for p in folder.glob("*.md")}
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        problems.append(f"{name}: duplicate ids")
    for r in rows:
        where = f"{name} {r['id']}"
        missing = [f for f in ANSWER_FIELDS if f not in r]
        if missing:
            problems.append(f"{where}: missing {missing}")
            continue
        doc = r.get("doc", ARTICLE_ID) if name == "multi" else ARTICLE_ID
        if not r["answerable"]:
            if r["answer"] is not None or r["support"] is not None or r.get("doc") is not None:
                problems.append(f"{where}: unanswerable but has answer, support or doc")
            continue
        answer, support = str(r["answer"]), str(r["support"])
        if norm(answer) not in norm(support):
            problems.append(f"{where}: answer not in support")
        if doc not in texts:
            problems.append(f"{where}: unknown doc {doc!r}")
        elif norm(support) not in texts[doc]:
            problems.append(f"{where}: support not verbatim in {doc}")
        if not 1 <= len(answer.split()) <= 12:
            problems.append(f"{where}: answer is {len(answer.split())} words")
    return rows


def check_references(problems: list[str]) -> dict[str, dict[str, object]]:
    """Every referenced sentence verbatim in its document; extract of 5 in document order."""
    refs = load_references()
    folder = HERE / "summaries"
    for doc, ref in refs.items():
        path = folder / f"{doc}.md"
        if not path.exists():
            problems.append(f"references {doc}: no document")
            continue
        body = norm(read_document(path)[1])
        points = ref["key_points"]
        if not 5 <= len(points) <= 10:  # type: ignore[arg-type]
            problems.append(f"references {doc}: {len(points)} key points")  # type: ignore[arg-type]
        sentences = [s for p in points for s in p["sentences"]] + list(ref["extract"])  # type: ignore[union-attr, index, arg-type]
        for s in sentences:
            if norm(s) not in body:
                problems.append(f"references {doc}: not verbatim: {s[:60]}")
        extract = [body.find(norm(s)) for s in ref["extract"]]  # type: ignore[union-attr]
        if len(extract) != 5 or extract != sorted(extract) or len(set(extract)) != 5:
            problems.append(f"references {doc}: extract is not 5 distinct sentences in document order")
    docs = {p.stem for p in folder.glob("*.md")}
    if docs != set(refs):
        problems.append(f"references: documents without references: {sorted(docs - set(refs))}")
    return refs


def main() -> int:
    problems: list[str] = []
    article = check_questions("article", HERE / "summaries", problems)
    multi = check_questions("multi", HERE / "kb", problems)
    refs = check_references(problems)
    for name, rows in (("article.jsonl", article), ("multi.jsonl", multi)):
        yes = sum(bool(r["answerable"]) for r in rows)
        print(f"{name}: {len(rows)} questions, {yes} answerable, {len(rows) - yes} unanswerable")
    points = sum(len(r["key_points"]) for r in refs.values())  # type: ignore[arg-type]
    print(f"summaries/references.json: {len(refs)} documents, {points} key points, {5 * len(refs)} extract sentences")
    for p in problems:
        print("problem:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
