"""Summary quality and cost: our coverage method (with and without sentence vectors) against
the former MEAD-style method, Lead-N and random-N, in one run.

    python bench/eval_summary.py              # dev and held-out tables, cost by length
    python bench/eval_summary.py --dev        # the dev sets only (what tuning may look at)
    python bench/eval_summary.py --grid       # sensitivity of the parameters (81 settings, both sets)
    python bench/eval_summary.py --heldout2   # the second held-out news set, run once at the end

Sets:
- dev: the shipped article plus two of our own (tests/data/summaries/); key points in
  tests/data/summaries/keypoints.json, each a list of short verbatim phrases, any of which
  shows the point is there. Parameters were tuned on these only.
- former held-out: 20 documents of different kinds (bench/data/heldout/summaries/, written
  before tuning by someone who does not tune), key points given as verbatim sentences and a
  5-sentence reference extract per document. Measured once at the end of round two; tuned
  on since round three (a fresh held-out news set is kept elsewhere).

Measures, per method and N (3, 5, 8), averaged over documents:
- coverage: share of key points a summary covers;
- precision: share of the summary's sentences that are in the reference extract (held-out
  only; a sentence counts when it contains or is contained in a reference sentence);
- redundant pairs: pairs of summary sentences that share most of their words (at least 60%
  of the shorter one's words of four letters or more), summed over documents;
- reach: position of the last picked sentence / number of body sentences; second half:
  share of picks in the second half of the document.

Lead-N is the first N body sentences; random-N the mean over 200 seeded draws of N body
sentences. Vectors come from the project's sentence encoder (the default model installed).
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import mead_summary  # noqa: E402
from synthetic import Generator  # noqa: E402

import bot.summaries.summary as summary_module  # noqa: E402
from bot.knowledge.documents import Document  # noqa: E402
from bot.knowledge.passages import Layout  # noqa: E402
from bot.search.index import TermBundle  # noqa: E402
from bot.search.vectors import sentence_texts  # noqa: E402
from bot.serving.snapshot import Snapshot, build_snapshot  # noqa: E402

DATA = ROOT / "tests" / "data" / "summaries"
HELDOUT = ROOT / "bench" / "data" / "heldout"
HELDOUT2 = ROOT / "bench" / "data" / "heldout2"
SIZES = (3, 5, 8)
DRAWS = 200
REPEATS = 25
# coverage+vectors is the shipped method given sentence vectors (they catch paraphrased
# duplicates); blend-0.3 also mixes their cosine into the coverage similarity (measured, not shipped).
METHODS = ("coverage", "coverage+vectors", "blend-0.3", "mead", "lead", "random")
BLEND = 0.3
_WORD = re.compile(r"[a-z0-9]{4,}")


def knowledge_folder() -> Path:
    """A temporary knowledge folder with the three dev documents."""
    folder = Path(tempfile.mkdtemp(prefix="summary-eval-"))
    shutil.copy(ROOT / "knowledge" / "eu-japan-defence-partnership.md", folder)
    for path in DATA.glob("*.md"):
        shutil.copy(path, folder)
    return folder


def norm(text: str) -> str:
    """Lower case, runs of white space to one space (the held-out data's normalisation)."""
    return " ".join(text.split()).lower()


def coverage(texts: Sequence[str], points: Sequence[Sequence[str]]) -> float:
    """Share of key points with at least one phrase in the chosen sentences."""
    joined = " ".join(" ".join(t.split()) for t in texts)
    return sum(any(" ".join(p.split()) in joined for p in point) for point in points) / len(points)


def matches(sentence: str, references: Sequence[str]) -> bool:
    """A summary sentence equals a reference sentence, allowing for another sentence splitter."""
    s = norm(sentence)
    return any(norm(r) in s or s in norm(r) for r in references)


def sentence_coverage(texts: Sequence[str], points: Sequence[Sequence[str]]) -> float:
    """Share of key points (given as whole sentences) that a summary sentence matches."""
    return sum(any(matches(t, point) for t in texts) for point in points) / len(points)


def precision(texts: Sequence[str], extract: Sequence[str]) -> float:
    """Share of summary sentences in the reference extract."""
    return sum(matches(t, extract) for t in texts) / len(texts) if texts else 0.0


def redundant_pairs(texts: Sequence[str]) -> int:
    """Pairs of sentences that share most of their content words."""
    words = [set(_WORD.findall(t.lower())) for t in texts]
    return sum(1 for a, b in itertools.combinations(words, 2) if a and b and len(a & b) >= 0.6 * min(len(a), len(b)))


@dataclass(frozen=True)
class Doc:
    """One evaluated document: its body sentences, key points, extract and vectors."""

    doc_id: str
    sentences: list[tuple[int, str]]  # (start offset, text) of every body sentence
    points: list[list[str]]
    extract: list[str] | None
    whole_sentences: bool  # key points given as sentences (held-out) or phrases (dev)
    rank: Callable[[np.ndarray | None], list[str]]  # ours, with or without vectors
    mead: Callable[[], list[str]]
    vectors: np.ndarray | None


def body_sentences(snapshot: Snapshot, doc_id: str) -> list[tuple[int, str]]:
    """Every body sentence of a document, in order (what Lead-N and random-N draw from)."""
    lo, hi = snapshot.index.doc_ranges[doc_id]
    return [(s.start, s.of(p.source)) for p in snapshot.index.passages[lo:hi] if not p.is_about for s in p.sentences]


def load_docs(
    snapshot: Snapshot,
    keypoints: dict[str, list[list[str]]],
    extracts: dict[str, list[str]],
    encode: Callable[[Sequence[str]], np.ndarray] | None,
    whole_sentences: bool,
) -> list[Doc]:
    """The documents of a set, with their vectors computed once."""
    docs = []
    for doc_id, points in keypoints.items():
        document = snapshot.document(doc_id)
        assert document is not None, doc_id
        d = snapshot.index.position(doc_id)
        layout, bundle = snapshot.index.layouts[d], snapshot.index.bundles[d]
        vectors = encode(sentence_texts(document, layout)).astype(np.float16) if encode else None

        docs.append(
            Doc(
                doc_id,
                body_sentences(snapshot, doc_id),
                points,
                extracts.get(doc_id),
                whole_sentences,
                functools.partial(_rank, document, layout, bundle),
                functools.partial(_mead, document, layout, bundle),
                vectors,
            )
        )
    return docs


def _rank(document: Document, layout: Layout, bundle: TermBundle, vectors: np.ndarray | None) -> list[str]:
    return [s.text for s in summary_module.rank_sentences(document, layout, bundle, vectors)]


def _mead(document: Document, layout: Layout, bundle: TermBundle) -> list[str]:
    return [s.text for s in mead_summary.rank_sentences(document, layout, bundle)]


@dataclass
class Scores:
    """Sums over documents for one (method, N)."""

    coverage: list[float]
    precision: list[float]
    redundant: int
    reach: list[float]
    second_half: list[float]


def picks_by_method(doc: Doc, method: str, n: int, rng: random.Random) -> list[list[str]]:
    """The summaries (in document order) that a method gives; several for random."""
    texts = [t for _, t in doc.sentences]
    if method == "lead":
        return [texts[:n]]
    if method == "random":
        return [rng.sample(texts, min(n, len(texts))) for _ in range(DRAWS)]
    if method == "mead":
        return [doc.mead()[:n]]
    if method in ("coverage+vectors", "blend-0.3"):
        if doc.vectors is None:
            return []
        if method == "coverage+vectors":
            return [doc.rank(doc.vectors)[:n]]
        shipped = summary_module.SEMANTIC_WEIGHT
        summary_module.SEMANTIC_WEIGHT = BLEND
        try:
            return [doc.rank(doc.vectors)[:n]]
        finally:
            summary_module.SEMANTIC_WEIGHT = shipped
    return [doc.rank(None)[:n]]


def score_set(docs: Sequence[Doc], methods: Sequence[str] = METHODS) -> dict[tuple[str, int], Scores]:
    """(method, N) -> scores over the documents of a set."""
    results: dict[tuple[str, int], Scores] = {}
    for method, n in itertools.product(methods, SIZES):
        total = Scores([], [], 0, [], [])
        for doc in docs:
            rng = random.Random(f"{doc.doc_id}:{n}")
            summaries = picks_by_method(doc, method, n, rng)
            if not summaries:
                continue
            position = {norm(t): i for i, (_, t) in enumerate(doc.sentences)}
            length = len(doc.sentences)
            cov, prec, reach, half, redundant = [], [], [], [], 0
            for texts in summaries:
                cov.append(sentence_coverage(texts, doc.points) if doc.whole_sentences else coverage(texts, doc.points))
                if doc.extract:
                    prec.append(precision(texts, doc.extract))
                places = [position.get(norm(t), 0) for t in texts]
                reach.append((max(places) + 1) / length)
                half.append(sum(p >= length / 2 for p in places) / len(places))
                redundant += redundant_pairs(texts)
            total.coverage.append(statistics.fmean(cov))
            if prec:
                total.precision.append(statistics.fmean(prec))
            total.reach.append(statistics.fmean(reach))
            total.second_half.append(statistics.fmean(half))
            total.redundant += round(redundant / len(summaries))
        results[(method, n)] = total
    return results


def _mean(values: Sequence[float]) -> str:
    return f"{statistics.fmean(values):.2f}" if values else "-"


def print_set(title: str, docs: Sequence[Doc], results: dict[tuple[str, int], Scores]) -> None:
    """The per-method table, then coverage per document and N."""
    extracts = any(d.extract for d in docs)
    print(f"\n### {title} ({len(docs)} documents)\n")
    head = "| method | N | key-point coverage |" + (" precision vs extract |" if extracts else "")
    print(head + " redundant pairs | reach | second half |")
    print("|---|---|---|" + ("---|" if extracts else "") + "---|---|---|")
    for (method, n), s in results.items():
        if not s.coverage:
            continue
        cells = [method, str(n), _mean(s.coverage)] + ([_mean(s.precision)] if extracts else [])
        cells += [str(s.redundant), _mean(s.reach), _mean(s.second_half)]
        print("| " + " | ".join(cells) + " |")
    print("\n| document | N | " + " | ".join(METHODS) + " |\n|---|---|" + "---|" * len(METHODS))
    for i, doc in enumerate(docs):
        for n in SIZES:
            cells = [
                f"{results[(m, n)].coverage[i]:.2f}" if len(results[(m, n)].coverage) > i else "-" for m in METHODS
            ]
            print(f"| {doc.doc_id} | {n} | " + " | ".join(cells) + " |")


def _cell(values: Sequence[float], i: int) -> str:
    return f"{values[i]:.2f}" if len(values) > i else "-"


def shipped_checks(docs: Sequence[Doc]) -> None:
    """Where the shipped article's summaries come from (target: at least 2 of 8 from ¶11-20)."""
    for doc in docs:
        if doc.doc_id != "eu-japan-defence-partnership":
            continue
        print()
        for label, vectors in (("coverage", None), ("coverage+vectors", doc.vectors), ("mead", None)):
            if label == "coverage+vectors" and vectors is None:
                continue
            picks = doc.mead() if label == "mead" else doc.rank(vectors)
            for n in SIZES:
                paragraphs = _paragraphs(doc, picks[:n])
                late = sum(p >= 11 for p in paragraphs)
                print(f"- {doc.doc_id}, {label}, {n} sentences from ¶ {paragraphs} ({late} from ¶11-20)")


def _paragraphs(doc: Doc, texts: Sequence[str]) -> list[int]:
    body = [t for _, t in doc.sentences]
    return [_paragraph_of(doc, body.index(t)) for t in sorted(texts, key=body.index)]


_PARAGRAPH_OF: dict[str, list[int]] = {}


def _paragraph_of(doc: Doc, i: int) -> int:
    return _PARAGRAPH_OF[doc.doc_id][i]


def remember_paragraphs(snapshot: Snapshot, docs: Sequence[Doc]) -> None:
    """¶ of each body sentence, for printing where picks come from."""
    for doc in docs:
        lo, hi = snapshot.index.doc_ranges[doc.doc_id]
        _PARAGRAPH_OF[doc.doc_id] = [
            p.paragraph for p in snapshot.index.passages[lo:hi] if not p.is_about for _ in p.sentences
        ]


GRID: dict[str, tuple[float, ...]] = {
    "POSITION_WEIGHT": (0.4, 0.6, 0.8),
    "OPENER_WEIGHT": (0.1, 0.2, 0.3),
    "TITLE_WEIGHT": (0.2, 0.3, 0.5),
    "EDGE_SHARE": (0.05, 0.1, 0.15),
}


def grid(docs: Sequence[Doc], heldout: Sequence[Doc], kinds: dict[str, str]) -> None:
    """Figures for every combination of the parameters around the chosen ones (lexical).

    Both sets are tuned on by now, so this shows how much the figures hang on the exact
    values: a method fitted to one setting would fall apart next to it.
    """
    base = {name: getattr(summary_module, name) for name in GRID}
    article = next(i for i, d in enumerate(heldout) if d.doc_id == "eu-japan-defence-partnership")
    news = [i for i, d in enumerate(heldout) if kinds[d.doc_id] == "news"]
    print("\n### Parameter grid (lexical)\n")
    print(
        "| "
        + " | ".join(GRID)
        + " | dev coverage 3 / 5 / 8 | article 3 / 5 / 8 | article 3 sentences, ¶"
        + " | news precision 5 | all precision 5 |"
    )
    print("|---" * (len(GRID) + 5) + "|")
    news_figures, article_figures = [], []
    try:
        for values in itertools.product(*GRID.values()):
            for name, value in zip(GRID, values, strict=True):
                setattr(summary_module, name, value)
            s = score_set(docs, ("coverage",))
            h = score_set(heldout, ("coverage",))
            cov = " / ".join(f"{statistics.fmean(s[('coverage', n)].coverage):.2f}" for n in SIZES)
            art = " / ".join(f"{h[('coverage', n)].coverage[article]:.2f}" for n in SIZES)
            three = _paragraphs(heldout[article], heldout[article].rank(None)[:3])
            news_5 = statistics.fmean(h[("coverage", 5)].precision[i] for i in news)
            news_figures.append(news_5)
            article_figures.append(h[("coverage", 8)].coverage[article])
            mark = "**" if all(v == base[k] for k, v in zip(GRID, values, strict=True)) else ""
            cells = [f"{mark}{v}{mark}" for v in values]
            cells += [cov, art, ", ".join(map(str, three)), f"{news_5:.2f}", _mean(h[("coverage", 5)].precision)]
            print("| " + " | ".join(cells) + " |")
    finally:
        for name, value in base.items():
            setattr(summary_module, name, value)
    print(
        f"\nover the {len(news_figures)} settings: news precision at 5 mean {statistics.fmean(news_figures):.3f} "
        f"(range {min(news_figures):.3f}-{max(news_figures):.3f}); article coverage at 8 mean "
        f"{statistics.fmean(article_figures):.3f} (range {min(article_figures):.3f}-{max(article_figures):.3f})"
    )


def cost(encode_available: bool) -> None:
    """Time to rank one document's summary at several lengths (synthetic text)."""
    from bot.search.tokenizer import Analyzer

    print(f"\n### Cost per document (synthetic text, median of {REPEATS} runs)\n")
    print("| paragraphs | sentences | MEAD-style (ms) | coverage (ms) | coverage+vectors (ms) |\n|---|---|---|---|---|")
    generator = Generator(seed=3)
    analyzer = Analyzer()
    folder = Path(tempfile.mkdtemp(prefix="summary-cost-"))
    try:
        for paragraphs in (20, 100, 400, 1600):
            text = "\n\n".join(generator.paragraph() for _ in range(paragraphs))
            (folder / "doc.md").write_text(f"---\ntitle: T\nauthor: A\npublisher: P\n---\n\n{text}\n", "utf-8")
            snapshot = build_snapshot(folder, analyzer=analyzer, save_cache=False)
            document = snapshot.documents[0]
            layout, bundle = snapshot.index.layouts[0], snapshot.index.bundles[0]
            rows = len(layout.sentence_starts)
            rng = np.random.default_rng(0)
            vectors = rng.standard_normal((rows, 384)).astype(np.float32)
            vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float16)

            runs: dict[str, Callable[[], object]] = {
                "mead": functools.partial(mead_summary.rank_sentences, document, layout, bundle),
                "lexical": functools.partial(summary_module.rank_sentences, document, layout, bundle),
                "vectors": functools.partial(summary_module.rank_sentences, document, layout, bundle, vectors),
            }
            times: dict[str, list[float]] = {name: [] for name in runs}
            for _ in range(REPEATS):  # round robin, so a busy moment costs every method alike
                for name, run in runs.items():
                    started = time.perf_counter()
                    run()
                    times[name].append((time.perf_counter() - started) * 1000)
            mead, lexical, semantic = (statistics.median(times[name]) for name in runs)
            body = rows - int(layout.sentence_ptr[1])
            print(f"| {paragraphs} | {body} | {mead:.1f} | {lexical:.1f} | {semantic:.1f} |")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if not encode_available:
        print("\n(no sentence encoder installed: the vector rows above use random unit vectors)")


def load_encode() -> Callable[[Sequence[str]], np.ndarray] | None:
    """The sentence encoder's ``encode``, or None when the model is not installed."""
    try:
        from bot.search.encoder import ModelError, load_encoder
    except ImportError:
        return None
    try:
        return load_encoder().encode
    except ModelError as exc:
        print(f"(no sentence vectors: {exc})")
        return None


def heldout2(encode: Callable[[Sequence[str]], np.ndarray] | None) -> int:
    """Precision against the second held-out set's oracle extracts (news), every method.

    Its extracts are a greedy ROUGE oracle against the articles' source reports (see its
    README), so each reference sentence also counts as a key point: coverage here is recall.
    """
    sys.path.insert(0, str(HELDOUT2))
    from verify import load_news

    references = load_news()
    extracts = {doc: [str(x) for x in ref["extract"]] for doc, ref in references.items()}  # type: ignore[union-attr]
    points = {doc: [[x] for x in extract] for doc, extract in extracts.items()}
    snapshot = build_snapshot(HELDOUT2 / "news", save_cache=False)
    docs = load_docs(snapshot, points, extracts, encode, whole_sentences=True)
    results = score_set(docs)
    print_set("Held-out 2: news, oracle extracts (run once)", docs, results)
    lead = results[("lead", 5)]
    for method in METHODS:
        s = results[(method, 5)]
        if s.precision:
            gain = statistics.fmean(s.precision) - statistics.fmean(lead.precision)
            print(f"- precision at 5, {method}: {statistics.fmean(s.precision):.3f} ({gain:+.3f} against Lead-5)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", action="store_true", help="the dev sets only")
    parser.add_argument("--grid", action="store_true", help="parameter sensitivity on the dev sets")
    parser.add_argument("--heldout2", action="store_true", help="the second held-out news set only")
    args = parser.parse_args(argv)
    if args.heldout2:
        return heldout2(load_encode())
    encode = None if args.grid else load_encode()  # the grid is lexical
    keypoints = json.loads((DATA / "keypoints.json").read_text("utf-8"))
    folder = knowledge_folder()
    try:
        snapshot = build_snapshot(folder, save_cache=False)
        extracts = json.loads((DATA / "extracts.json").read_text("utf-8"))
        dev = load_docs(snapshot, keypoints, extracts, encode, whole_sentences=False)
        remember_paragraphs(snapshot, dev)
        if not args.grid:
            print_set("Dev key points", dev, score_set(dev))
            shipped_checks(dev)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if args.dev:
        return 0
    sys.path.insert(0, str(HELDOUT))
    from verify import as_keypoints, load_references

    references = load_references()
    held = build_snapshot(HELDOUT / "summaries", save_cache=False)
    extracts = {doc: list(ref["extract"]) for doc, ref in references.items()}  # type: ignore[call-overload]
    heldout = load_docs(held, as_keypoints(references), extracts, encode, whole_sentences=True)
    remember_paragraphs(held, heldout)
    if args.grid:
        grid(dev, heldout, {doc: str(ref["kind"]) for doc, ref in references.items()})  # type: ignore[call-overload]
        return 0
    results = score_set(heldout)
    print_set("Former held-out references (tuned on since round three)", heldout, results)
    shipped_checks(heldout)
    for kind in ("news", "encyclopedia", "opinion", "legal"):
        chosen = [i for i, doc in enumerate(heldout) if str(references[doc.doc_id]["kind"]).startswith(kind)]
        cells = []
        for method in METHODS:
            s = results[(method, 5)]
            values = [s.precision[i] for i in chosen if i < len(s.precision)]
            cells.append(f"{statistics.fmean(values):.2f}" if values else "-")
        print(
            f"- precision at 5, {kind} ({len(chosen)}): "
            + ", ".join(f"{m} {c}" for m, c in zip(METHODS, cells, strict=True))
        )
    cost(encode is not None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
