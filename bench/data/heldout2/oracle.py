"""The news reference extracts: a greedy ROUGE oracle, so no one's judgement picks them.

    python bench/data/heldout2/oracle.py DATASET.json           # writes news/references.json
    python bench/data/heldout2/oracle.py DATASET.json --check   # recomputes and compares

DATASET.json is WikinewsSum's ``endataset.json`` (github: airKlizz/WikinewsSum, one JSON
object a line). WikinewsSum pairs each Wikinews article (its human-written *summary*) with
the news reports it was written from (its *sources*); it holds no summary of the Wikinews
article itself. So the reference here is the article's English sources: the extract is the
5 sentences of the article that greedily maximise ROUGE-1 F + ROUGE-2 F against them. The
sources are not stored (they are other publishers' copyrighted reports); their URLs, word
count and SHA-256 are, so ``--check`` can prove the extract came from them.

Pure Python on purpose: nothing here may depend on the bot's own tokenizer or sentence
splitter, or the reference would lean towards the bot's way of cutting text.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
NEWS = HERE / "news"
EXTRACT_SIZE = 5

# Words after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr prof gen sen rep gov lt col sgt capt maj rev no vs etc inc ltd co corp "
    "jan feb mar apr jun jul aug sep sept oct nov dec approx dept ft mt ave fig".split()
)
_END = re.compile(r"[.!?]+[\"”’')\]]*\s+")
_NEXT = re.compile(r"[\"“‘'(\[]?[A-Z0-9]")
_WORD = re.compile(r"\w+")


def split_sentences(text: str) -> list[str]:
    """Sentences of one paragraph: cut after . ! ? and a space, before a capital or digit.

    Not after an abbreviation ("Dec.", "Mr."), a lone initial ("J.") or a dotted acronym
    ("U.S."), which is where news text most often has a full stop inside a sentence.
    """
    out: list[str] = []
    start = 0
    for m in _END.finditer(text):
        if not _NEXT.match(text, m.end()):
            continue
        if m.group().startswith(".") and not m.group().startswith(".."):
            before = re.search(r"(\S+)$", text[start : m.start()])
            word = before.group(1).lower().lstrip("(\"'“‘").rsplit("-", 1)[-1] if before else ""
            if word in _ABBREVIATIONS or re.fullmatch(r"[a-z]|(?:[a-z]\.)+[a-z]", word):
                continue
        out.append(text[start : m.end()].strip())
        start = m.end()
    if text[start:].strip():
        out.append(text[start:].strip())
    return out


def read_body(path: Path) -> tuple[str, str]:
    """Title and body of a knowledge file (the title is the key into the data set)."""
    _, front, body = path.read_text("utf-8").split("---\n", 2)
    title = next(line for line in front.splitlines() if line.startswith("title:"))
    return json.loads(title.split(":", 1)[1].strip()), body


def paragraphs(body: str) -> list[str]:
    """Body paragraphs, white space normalised."""
    return [" ".join(p.split()) for p in body.split("\n\n") if p.strip()]


def document_sentences(body: str) -> list[str]:
    """Every sentence of the body in document order."""
    return [s for p in paragraphs(body) for s in split_sentences(p)]


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return _WORD.findall(text.lower())


def ngrams(token_lists: Iterable[Sequence[str]], n: int) -> Counter[tuple[str, ...]]:
    """N-gram counts, never across the boundary between two token lists."""
    counts: Counter[tuple[str, ...]] = Counter()
    for toks in token_lists:
        counts.update(tuple(toks[i : i + n]) for i in range(len(toks) - n + 1))
    return counts


def f_measure(candidate: Counter[tuple[str, ...]], reference: Counter[tuple[str, ...]]) -> float:
    """ROUGE-N F1 with clipped counts."""
    overlap = sum((candidate & reference).values())
    if not overlap:
        return 0.0
    precision = overlap / sum(candidate.values())
    recall = overlap / sum(reference.values())
    return 2 * precision * recall / (precision + recall)


def greedy_extract(sentences: Sequence[str], reference: Sequence[str], k: int = EXTRACT_SIZE) -> list[int]:
    """Indices (in document order) of the k sentences a greedy ROUGE-1+2 F search picks.

    Each step adds the sentence that gives the highest ROUGE-1 F + ROUGE-2 F of the whole
    selection; ties go to the earlier sentence. It always picks k (the usual oracle stops
    when no sentence improves the score; a fixed size keeps extracts comparable).
    """
    ref_tokens = [tokens(r) for r in reference]
    ref1, ref2 = ngrams(ref_tokens, 1), ngrams(ref_tokens, 2)
    sent_tokens = [tokens(s) for s in sentences]
    chosen: list[int] = []
    for _ in range(min(k, len(sentences))):
        best, best_score = -1, -1.0
        for i in range(len(sentences)):
            if i in chosen:
                continue
            picked = [sent_tokens[j] for j in sorted([*chosen, i])]
            score = f_measure(ngrams(picked, 1), ref1) + f_measure(ngrams(picked, 2), ref2)
            if score > best_score:
                best, best_score = i, score
        chosen.append(best)
    return sorted(chosen)


def source_texts(entry: dict[str, object]) -> list[str]:
    """The entry's English source texts in data set order, exact duplicates dropped."""
    seen: list[str] = []
    for source in entry["sources"]:  # type: ignore[attr-defined]
        text = str(source["maintext"])
        if source["language"] == "en" and text.strip() and text not in seen:
            seen.append(text)
    return seen


def reference_record(entry: dict[str, object], texts: Sequence[str]) -> dict[str, object]:
    """Where the oracle's reference came from, enough to re-derive and check it."""
    urls = [
        str(s["url"])
        for s in entry["sources"]  # type: ignore[attr-defined]
        if s["language"] == "en" and str(s["maintext"]) in texts
    ]
    joined = "\n\n".join(texts)
    return {
        "what": "the English source texts WikinewsSum pairs with this article (not stored)",
        "sources": urls,
        "words": len(tokens(joined)),
        "sha256": hashlib.sha256(joined.encode("utf-8")).hexdigest(),
    }


def build(dataset: Path) -> dict[str, dict[str, object]]:
    """References for every document in news/, from the data set file."""
    entries: dict[str, dict[str, object]] = {}
    for line in dataset.read_text("utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            entries.setdefault(entry["title"], entry)
    refs: dict[str, dict[str, object]] = {}
    for path in sorted(NEWS.glob("*.md")):
        title, body = read_body(path)
        if title not in entries:
            raise SystemExit(f"{path.name}: no data set entry titled {title!r}")
        texts = source_texts(entries[title])
        if not texts:
            raise SystemExit(f"{path.name}: the data set has no English source for it")
        sentences = document_sentences(body)
        picked = greedy_extract(sentences, texts)
        refs[path.stem] = {
            "kind": "news",
            "paragraphs": len(paragraphs(body)),
            "sentences": len(sentences),
            "extract": [sentences[i] for i in picked],
            "summary": None,
            "reference": reference_record(entries[title], texts),
        }
    return refs


def main(argv: Sequence[str]) -> int:
    if not argv or argv[0].startswith("-"):
        print("usage: oracle.py DATASET.json [--check]")
        return 2
    dataset = Path(argv[0])
    if not dataset.is_file():
        print(f"no such file: {dataset}")
        return 2
    refs = build(dataset)
    out = NEWS / "references.json"
    if "--check" in argv[1:]:
        stored = json.loads(out.read_text("utf-8"))
        if stored != refs:
            differ = sorted(d for d in set(stored) | set(refs) if stored.get(d) != refs.get(d))
            print(f"references.json differs from the oracle for: {', '.join(differ)}")
            return 1
        print(f"references.json matches the oracle for all {len(refs)} documents")
        return 0
    out.write_text(json.dumps(refs, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {out.relative_to(HERE)}: {len(refs)} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
