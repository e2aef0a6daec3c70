"""Check the second held-out set mechanically, and load it.

    python bench/data/heldout2/verify.py                      # prints counts, exits 1 on any problem
    python bench/data/heldout2/verify.py --dataset PATH.json  # also re-derives news/references.json

Checks only that the data is what it says it is (every answer inside its support and in
exactly one paragraph of its document, every support and extract sentence verbatim in
its document, after white space normalisation); it never runs the bot. Loading helpers
are here so that a scorer does not re-implement the formats.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
KB = HERE / "kb"
NEWS = HERE / "news"
ARTICLE_ID = "eu-japan-defence-partnership"
FIELDS = ("id", "question", "answerable", "answer", "support", "kind", "difficulty")
KINDS = frozenset({"factoid", "paraphrase", "why", "who", "list", "multi", "document", "unanswerable"})
# Question sets this one must not repeat (those inside the repository; the dev set lives outside it).
EARLIER = (
    ROOT / "tests" / "data" / "extra.jsonl",
    ROOT / "tests" / "data" / "offtopic.jsonl",
    ROOT / "bench" / "data" / "heldout" / "article.jsonl",
    ROOT / "bench" / "data" / "heldout" / "multi.jsonl",
)


def norm(text: str) -> str:
    """The hit definition's normalisation: lower case, runs of white space to one space."""
    return " ".join(text.split()).lower()


def read_document(path: Path) -> tuple[dict[str, object], str]:
    """Front matter and body of a knowledge file."""
    _, front, body = path.read_text("utf-8").split("---\n", 2)
    return yaml.safe_load(front), body


def paragraphs(path: Path) -> list[str]:
    """Body paragraphs, normalised; a Markdown heading line is not a paragraph."""
    body = read_document(path)[1]
    return [norm(p) for p in body.split("\n\n") if p.strip() and not p.lstrip().startswith("#")]


def load_questions(name: str) -> list[dict[str, object]]:
    """One question set (``article`` or ``multi``) as a list of dicts."""
    lines = (HERE / f"{name}.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def load_news() -> dict[str, dict[str, object]]:
    """News references: doc id -> kind, paragraphs, sentences, extract, summary (None), reference."""
    return json.loads((NEWS / "references.json").read_text("utf-8"))


def check_questions(name: str, problems: list[str]) -> list[dict[str, object]]:
    """Shape and verbatim checks for one question set; every answer in exactly one paragraph."""
    rows = load_questions(name)
    docs = [ARTICLE_ID] if name == "article" else sorted(p.stem for p in KB.glob("*.md"))
    paras = {d: paragraphs(KB / f"{d}.md") for d in docs}
    bio = norm(str(read_document(KB / f"{ARTICLE_ID}.md")[0].get("author_bio") or ""))
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        problems.append(f"{name}: duplicate ids")
    for r in rows:
        where = f"{name} {r['id']}"
        missing = [f for f in (*FIELDS, "doc") if f not in r and (f != "doc" or name == "multi")]
        if missing:
            problems.append(f"{where}: missing {missing}")
            continue
        if r["kind"] not in KINDS:
            problems.append(f"{where}: unknown kind {r['kind']!r}")
        if not r["answerable"]:
            if r["answer"] is not None or r["support"] is not None or r.get("doc") is not None:
                problems.append(f"{where}: unanswerable but has answer, support or doc")
            if r["kind"] != "unanswerable" or r["difficulty"] not in ("hard", "easy"):
                problems.append(f"{where}: unanswerable needs kind 'unanswerable' and difficulty hard or easy")
            continue
        if r["kind"] == "unanswerable" or r["difficulty"] != "hard":
            problems.append(f"{where}: answerable questions are hard and not of kind 'unanswerable'")
        doc = str(r["doc"]) if name == "multi" else ARTICLE_ID
        answer, support = norm(str(r["answer"])), norm(str(r["support"]))
        if not 1 <= len(answer.split()) <= 12:
            problems.append(f"{where}: answer is {len(answer.split())} words")
        if answer not in support:
            problems.append(f"{where}: answer not in support")
        if doc not in paras:
            problems.append(f"{where}: unknown doc {doc!r}")
            continue
        holders = [(d, i) for d in docs for i, p in enumerate(paras[d]) if answer in p]
        if support in bio and not holders:
            continue  # the author questions: answered by the bio sentence, which no paragraph repeats
        if not any(support in p for p in paras[doc]):
            problems.append(f"{where}: support not verbatim in one paragraph of {doc}")
        if len(holders) != 1 or holders[0][0] != doc:
            problems.append(f"{where}: answer in {len(holders)} paragraphs ({sorted({d for d, _ in holders})})")
    return rows


def check_repeats(sets: dict[str, list[dict[str, object]]], problems: list[str]) -> None:
    """No question is word for word one of an earlier set's (case, punctuation, spacing aside)."""

    def key(q: object) -> str:
        return " ".join(re.findall(r"\w+", str(q).lower()))

    earlier = {key(json.loads(line)["question"]) for f in EARLIER if f.exists() for line in f.open() if line.strip()}
    seen: set[str] = set()
    for name, rows in sets.items():
        for r in rows:
            k = key(r["question"])
            if k in earlier or k in seen:
                problems.append(f"{name} {r['id']}: the question repeats an earlier one")
            seen.add(k)


def check_kb(problems: list[str]) -> None:
    """The article in kb/ is the shipped one, byte for byte."""
    shipped = ROOT / "knowledge" / f"{ARTICLE_ID}.md"
    if shipped.exists() and shipped.read_bytes() != (KB / f"{ARTICLE_ID}.md").read_bytes():
        problems.append(f"kb: {ARTICLE_ID}.md differs from knowledge/{ARTICLE_ID}.md")


def check_news(problems: list[str], dataset: Path | None) -> dict[str, dict[str, object]]:
    """Every extract sentence verbatim in its document, 5 distinct ones in document order."""
    refs = load_news()
    for doc, ref in refs.items():
        path = NEWS / f"{doc}.md"
        if not path.exists():
            problems.append(f"news {doc}: no document")
            continue
        paras = paragraphs(path)
        body = " ".join(paras)
        if ref.get("kind") != "news" or ref.get("paragraphs") != len(paras):
            problems.append(f"news {doc}: kind or paragraph count wrong")
        extract = [norm(str(s)) for s in ref["extract"]]  # type: ignore[union-attr]
        missing = [s[:60] for s in extract if s not in body]
        if missing:
            problems.append(f"news {doc}: not verbatim: {missing}")
        places = [body.find(s) for s in extract]
        if len(extract) != 5 or places != sorted(places) or len(set(places)) != 5:
            problems.append(f"news {doc}: extract is not 5 distinct sentences in document order")
    docs = {p.stem for p in NEWS.glob("*.md")}
    if docs != set(refs):
        problems.append(f"news: documents without references: {sorted(docs - set(refs))}")
    if dataset is not None:
        sys.path.insert(0, str(HERE))
        import oracle  # the folder is not a package; oracle.py sits next to this file

        if oracle.build(dataset) != refs:
            problems.append("news: references.json is not what oracle.py derives from the data set")
    return refs


def summarise(name: str, rows: list[dict[str, object]]) -> str:
    """One line of counts for a question set."""
    yes = [r for r in rows if r["answerable"]]
    no = [r for r in rows if not r["answerable"]]
    on = sum(r["difficulty"] == "hard" for r in no)
    kinds = ", ".join(f"{k} {n}" for k, n in Counter(str(r["kind"]) for r in rows).most_common())
    line = f"{name}.jsonl: {len(rows)} questions, {len(yes)} answerable, {len(no)} unanswerable"
    line += f" ({on} on topic, {len(no) - on} off topic)\n  kinds: {kinds}"
    if name == "multi":
        per_doc = Counter(str(r["doc"]) for r in yes).most_common()
        line += "\n  answers per document: " + ", ".join(f"{d} {n}" for d, n in per_doc)
    return line


def main(argv: list[str]) -> int:
    dataset = None
    if argv[:1] == ["--dataset"] and len(argv) == 2:
        dataset = Path(argv[1])
        if not dataset.is_file():
            print(f"no such file: {dataset}")
            return 2
    elif argv:
        print("usage: verify.py [--dataset PATH/endataset.json]")
        return 2
    problems: list[str] = []
    sets = {name: check_questions(name, problems) for name in ("article", "multi")}
    check_repeats(sets, problems)
    check_kb(problems)
    refs = check_news(problems, dataset)
    for name, rows in sets.items():
        print(summarise(name, rows))
    kb_paras = sum(len(paragraphs(p)) for p in KB.glob("*.md"))
    print(f"kb/: {len(list(KB.glob('*.md')))} documents, {kb_paras} paragraphs")
    paras = sum(int(r["paragraphs"]) for r in refs.values())  # type: ignore[call-overload]
    sentences = sum(int(r["sentences"]) for r in refs.values())  # type: ignore[call-overload]
    print(
        f"news/references.json: {len(refs)} documents, {paras} paragraphs, {sentences} sentences, "
        f"{5 * len(refs)} extract sentences" + (" (re-derived from the data set)" if dataset else "")
    )
    for p in problems:
        print("problem:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
