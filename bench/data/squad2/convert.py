"""Turn articles of SQuAD 2.0's dev file into our knowledge format and question files.

    python bench/data/squad2/convert.py dev-v2.0.json Rhine Computational_complexity_theory
    python bench/data/squad2/convert.py --out bench/data/squad3 dev-v2.0.json Southern_California ...

Writes ``knowledge/<slug>.md`` (the article's SQuAD paragraphs in order, one paragraph
each, under the same front matter as ``../shared/eval/squad-normans``) and
``<slug>.jsonl`` (one question a line: id, question, doc, answers, answerable), the
Normans set's format, so the same scorer reads both. Answers are the crowdworkers'
spans, deduplicated in order; unanswerable questions have none.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def slug(title: str) -> str:
    """The knowledge file's name (and so its document id) for a Wikipedia title."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def front_matter(title: str) -> str:
    name = title.replace("_", " ")
    return (
        "---\n"
        f'title: "{name}"\n'
        'author: "Wikipedia contributors"\n'
        'publisher: "Wikipedia"\n'
        f'url: "https://en.wikipedia.org/wiki/{title}"\n'
        "---\n"
    )


def convert(article: dict, out: Path) -> tuple[int, int, int]:
    """Write one article's knowledge file and questions; (paragraphs, questions, unanswerable)."""
    name = slug(article["title"])
    paragraphs = [" ".join(p["context"].split()) for p in article["paragraphs"]]
    (out / "knowledge").mkdir(parents=True, exist_ok=True)
    text = front_matter(article["title"]) + "\n" + "\n\n".join(paragraphs) + "\n"
    (out / "knowledge" / f"{name}.md").write_text(text, "utf-8")
    rows = []
    for p in article["paragraphs"]:
        for q in p["qas"]:
            answers = list(dict.fromkeys(" ".join(a["text"].split()) for a in q["answers"]))
            rows.append(
                {
                    "id": q["id"],
                    "question": q["question"].strip(),
                    "doc": name,
                    "answers": answers,
                    "answerable": not q.get("is_impossible", False),
                }
            )
    (out / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return len(paragraphs), len(rows), sum(not r["answerable"] for r in rows)


def main(argv: list[str]) -> int:
    out = HERE
    if argv[:1] == ["--out"] and len(argv) > 1:
        out, argv = Path(argv[1]), argv[2:]
    if len(argv) < 2:
        print("usage: convert.py [--out FOLDER] DEV_JSON TITLE [TITLE ...]", file=sys.stderr)
        return 2
    data = {a["title"]: a for a in json.loads(Path(argv[0]).read_text("utf-8"))["data"]}
    for title in argv[1:]:
        if title not in data:
            print(f"{argv[0]}: no article titled {title!r}", file=sys.stderr)
            return 1
        paragraphs, questions, unanswerable = convert(data[title], out)
        print(f"{slug(title)}: {paragraphs} paragraphs, {questions} questions, {unanswerable} unanswerable")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
