"""Semantic layer speed and memory, each against a baseline measured in the same run.

    python bench/semantic.py                              # vectors, latency, throughput, memory
    python bench/semantic.py --part latency --kb shipped,10000
    python bench/semantic.py --part throughput
    python bench/semantic.py --part memory --kb 1000,10000 --extrapolate 100000
    python bench/semantic.py --part vectors --kb 10000    # only build (or check) the vectors

Knowledge bases: ``shipped`` is knowledge/ (its index and vector cache kept in
bench/.work/cache-shipped); a number is a synthetic folder from bench/synthetic.py in
bench/.work/ (cache in its .cache/, as the bot would keep it).

- vectors: embeds every sentence not in the vector cache yet, through the bot's own path
  (``SemanticLayer.attach``), once; the time it took is kept in bench/.work/ and printed on
  later runs, as the index-time cost per sentence.
- latency: per question, in turn, the lexical answer (the same snapshot without vectors),
  one question encoding alone (``Encoder.encode`` of the cleaned question) and the semantic
  answer (``Snapshot.ask`` with vectors). The baseline is lexical + encoding of the same
  question; the ratio is semantic / baseline at p50 and p99. Run with OpenBLAS at one
  thread and at its default, each idle and with a second thread embedding sentences
  meanwhile (as the bot's embedding thread does after a reload), in fresh processes.
- throughput: ``embed_documents`` (tokenize, batch, forward, float16, atomic write per
  document to a fresh VectorStore) against the bare batched ``Encoder.forward`` of the same
  sentences, tokenized, length-sorted and padded before the clock starts. Alternated, best
  of ``--runs``.
- memory: RSS after a warm start and 100 questions, lexical only and with vectors, and the
  cache on disk (vector files of the current documents; the index cache folder). With
  ``--extrapolate N``: the lexical RSS of N passages is measured, the semantic layer's
  share is extrapolated from the two measured sizes (a line through them, by sentence
  rows) using N's real sentence count.

Every row carries the 1-minute load average (/proc/loadavg) at its start and end: the
machine is shared, and a busy neighbour shows up in p99 first.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

WORK = ROOT / "bench" / ".work"
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")
Figures = dict[str, Any]


def loadavg() -> float:
    """The 1-minute load average."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def rss_mb() -> float:
    """Resident memory right now (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], share: float) -> float:
    """The value at ``share`` (0-1) of the sorted values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def knowledge_base(name: str) -> tuple[Path, Path]:
    """(knowledge folder, cache folder) for ``shipped`` or a synthetic size."""
    if name == "shipped":
        return ROOT / "knowledge", WORK / "cache-shipped"
    from scale import folder_for

    folder, _ = folder_for(int(name))
    return folder, folder / ".cache"


def questions_for(name: str, count: int) -> list[str]:
    """Real questions (dev, extra, off-topic) for the shipped article; generated ones for a size."""
    if name == "shipped":
        found = []
        for file in ("dev.jsonl", "extra.jsonl", "offtopic.jsonl"):
            for line in (ROOT / "tests" / "data" / file).read_text("utf-8").splitlines():
                if line.strip():
                    found.append(json.loads(line)["question"])
    else:
        from scale import folder_for

        _, question_file = folder_for(int(name))
        found = json.loads(question_file.read_text("utf-8"))
    return (found * (count // len(found) + 1))[:count]


def open_semantic(name: str) -> tuple[Any, Any, Any]:
    """(lexical snapshot, the same with vectors, encoder), from the caches; vectors must be built."""
    from bot.serving.library import KnowledgeBase

    folder, cache = knowledge_base(name)
    kb = KnowledgeBase(folder, cache_dir=cache)
    report = kb.load(embed="no")
    assert report.ok, report.summary_line()
    lexical = kb.snapshot
    encoder = kb.semantic.encoder()
    if encoder is None:
        raise SystemExit(f"semantic layer unavailable: {kb.semantic.unavailable}")
    semantic = kb.semantic.attach(lexical)
    if semantic.vectors is None or not semantic.vectors.complete:
        hint = f"python bench/semantic.py --part vectors --kb {name}"
        raise SystemExit(f"vectors for {name} are not all built: run {hint}")
    return lexical, semantic, encoder


# --- vectors ---------------------------------------------------------------------------------


def vectors_child(name: str) -> Figures:
    """Embed what the vector cache lacks, through ``SemanticLayer.attach``, and time it."""
    from bot.serving.library import KnowledgeBase

    folder, cache = knowledge_base(name)
    kb = KnowledgeBase(folder, cache_dir=cache)
    report = kb.load(embed="no")
    assert report.ok, report.summary_line()
    if kb.semantic.encoder() is None:
        raise SystemExit(f"semantic layer unavailable: {kb.semantic.unavailable}")
    seen: dict[str, int] = {"sentences": 0, "shown": 0}

    def progress(p: Any) -> None:
        seen["sentences"] = p.sentences
        if p.sentences and p.sentences_done * 10 // p.sentences > seen["shown"]:
            seen["shown"] = p.sentences_done * 10 // p.sentences
            print(f"  {name}: {p.sentences_done:,}/{p.sentences:,} sentences, {p.elapsed_s:.0f} s", file=sys.stderr)

    load_before = loadavg()
    started = time.perf_counter()
    snapshot = kb.semantic.attach(kb.snapshot, progress=progress)
    seconds = time.perf_counter() - started
    assert snapshot.vectors is not None and snapshot.vectors.complete
    rows = sum(len(layout.sentence_starts) for layout in snapshot.index.layouts)
    return {
        "embedded": seen["sentences"],
        "rows": rows,
        "passages": snapshot.index.size,
        "seconds": seconds,
        "load": [load_before, loadavg()],
        "threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
    }


def prepare_vectors(name: str, threads: str | None) -> Figures:
    """Build the vectors once; afterwards, report the recorded build."""
    record = WORK / f"vectors-{name}.json"
    figures = run_child(["vectors", name], threads=threads)
    if figures["embedded"]:
        record.write_text(json.dumps(figures), "utf-8")
        figures["when"] = "now"
    elif record.exists():
        figures = {**json.loads(record.read_text("utf-8")), "when": "earlier (cached since)"}
    else:
        figures["when"] = "unknown (cache present, no record)"
    return figures


def print_vectors(names: list[str], threads: str | None) -> None:
    print("\n### Index time: embedding every sentence of a knowledge base (once, then cached)\n")
    print(
        "| knowledge base | passages | sentence rows embedded | time (s) | ms per sentence | BLAS threads "
        "| load avg | built |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        f = prepare_vectors(name, threads)
        embedded = f["embedded"] or f["rows"]
        per = 1000 * f["seconds"] / embedded if f["embedded"] else float("nan")
        print(
            f"| {name} | {f['passages']:,} | {f['embedded']:,} of {f['rows']:,} | {f['seconds']:.1f} | {per:.2f} "
            f"| {f['threads']} | {f['load'][0]:.1f}-{f['load'][1]:.1f} | {f['when']} |",
            flush=True,
        )


# --- latency ---------------------------------------------------------------------------------


def _embedding_load(encoder: Any, texts: list[str], stop: threading.Event) -> Callable[[], None]:
    """A thread that keeps encoding chunks of sentences, as the bot's embedding thread does."""

    def run() -> None:
        i = 0
        while not stop.is_set():
            chunk = texts[i : i + 256] or texts[:256]
            i = (i + 256) % max(1, len(texts))
            encoder.encode(chunk)

    thread = threading.Thread(target=run, name="embed-load", daemon=True)
    thread.start()
    return thread.join


def blas_threads() -> int | None:
    """OpenBLAS threads in effect, when threadpoolctl is installed to tell."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return next((int(i["num_threads"]) for i in threadpool_info() if i.get("user_api") == "blas"), None)


def latency_child(name: str, count: int, contention: bool, runtime_limit: bool) -> Figures:
    """Lexical, encoding and semantic latency of the same questions, interleaved.

    ``runtime_limit``: one ``threadpoolctl.threadpool_limits(1)`` for the whole process at
    start (the in-code alternative to the environment variable).
    """
    from bot.knowledge.text import clean_question
    from bot.search.vectors import sentence_texts

    if runtime_limit:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)  # kept for the process: not a context manager
    lexical, semantic, encoder = open_semantic(name)
    questions = questions_for(name, count)
    for question in questions[:20]:
        lexical.ask(question)
        semantic.ask(question)
        encoder.encode([clean_question(question)])
    stop = threading.Event()
    join: Callable[[], None] | None = None
    if contention:
        index = semantic.index
        pairs = zip(index.documents[:5], index.layouts[:5], strict=True)
        texts = [t for d, lay in pairs for t in sentence_texts(d, lay)]
        join = _embedding_load(encoder, texts, stop)
        time.sleep(0.5)
    load_before = loadavg()
    lex: list[float] = []
    enc: list[float] = []
    sem: list[float] = []
    answered = 0
    for i, question in enumerate(questions):
        cleaned = clean_question(question)
        steps: list[tuple[list[float], Callable[[], object]]] = [
            (lex, lambda q=question: lexical.ask(q)),
            (enc, lambda c=cleaned: encoder.encode([c])),
            (sem, lambda q=question: semantic.ask(q)),
        ]
        # Rotate the order so no path always runs right after another with warm caches.
        for target, step in steps[i % 3 :] + steps[: i % 3]:
            started = time.perf_counter()
            result = step()
            target.append((time.perf_counter() - started) * 1000)
            if step is steps[2][1]:
                answered += result.answered  # type: ignore[attr-defined]
    stop.set()
    if join is not None:
        join()
    base = [a + b for a, b in zip(lex, enc, strict=True)]
    figures: Figures = {
        "questions": len(questions),
        "answered": answered / len(questions),
        "load": [load_before, loadavg()],
    }
    for label, values in (("lexical", lex), ("encode", enc), ("semantic", sem), ("base", base)):
        figures[label] = [statistics.median(values), percentile(values, 0.99)]
    figures["passages"] = semantic.index.size
    figures["blas_threads"] = blas_threads()
    return figures


def print_latency(names: list[str], count: int) -> None:
    print("\n### Question latency: semantic against lexical + one question encoding\n")
    print(
        "| knowledge base | BLAS threads | meanwhile | lexical p50 / p99 (ms) | encode p50 / p99 (ms) "
        "| lexical + encode p50 / p99 (ms) | semantic p50 / p99 (ms) | ratio p50 / p99 | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    try:
        import threadpoolctl  # noqa: F401
    except ImportError:
        settings: list[tuple[str | None, bool]] = [("1", False), (None, False)]
        print("<!-- threadpoolctl not installed: no threadpool_limits(1) rows -->")
    else:
        settings = [("1", False), (None, False), (None, True)]
    for name in names:
        for threads, runtime in settings:
            for contention in (False, True):
                f = run_child(["latency", name, str(count), str(int(contention)), str(int(runtime))], threads=threads)
                ratio = [f["semantic"][k] / f["base"][k] for k in (0, 1)]
                label = "threadpool_limits(1)" if runtime else (f"env {threads}" if threads else "default")
                print(
                    f"| {name} ({f['passages']:,} passages) | {label} ({f['blas_threads'] or '?'}) "
                    f"| {'embedding thread' if contention else 'idle'} "
                    f"| {f['lexical'][0]:.2f} / {f['lexical'][1]:.2f} | {f['encode'][0]:.2f} / {f['encode'][1]:.2f} "
                    f"| {f['base'][0]:.2f} / {f['base'][1]:.2f} | {f['semantic'][0]:.2f} / {f['semantic'][1]:.2f} "
                    f"| {ratio[0]:.2f} / {ratio[1]:.2f} | {f['load'][0]:.1f}-{f['load'][1]:.1f} |",
                    flush=True,
                )
    print(f"<!-- {count} questions per row; the baseline is the per-question sum, so its p99 is of the sums -->")


# --- throughput ------------------------------------------------------------------------------


def throughput_child(docs: int, runs: int) -> Figures:
    """``embed_documents`` with a fresh store against the bare forward pass of the same sentences."""
    from bot.search.encoder import DEFAULT_BATCH_SIZE, load_encoder
    from bot.search.vectors import sentence_texts
    from bot.serving.snapshot import build_snapshot
    from bot.serving.vector_store import VectorStore, embed_documents

    shipped = build_snapshot(ROOT / "knowledge", cache_dir=None).index
    folder, cache = knowledge_base("10000")
    synthetic = build_snapshot(folder, cache_dir=cache, save_cache=False).index
    items = list(zip(shipped.documents, shipped.layouts, strict=True))
    items += list(zip(synthetic.documents[:docs], synthetic.layouts[:docs], strict=True))
    texts = [t for d, lay in items for t in sentence_texts(d, lay)]
    encoder = load_encoder()
    batches = encoder.batches(encoder.tokenize(texts), DEFAULT_BATCH_SIZE)
    encoder.encode(texts[:64])
    real: list[float] = []
    bare: list[float] = []

    def embed() -> None:
        folder_ = Path(tempfile.mkdtemp(prefix="vectors-", dir=WORK))
        try:
            store = VectorStore(folder_, encoder.identity)
            started = time.perf_counter()
            found = embed_documents(items, encoder.encode, encoder.dim, store)
            real.append(time.perf_counter() - started)
            assert len(found) == len(items)
        finally:
            shutil.rmtree(folder_, ignore_errors=True)

    def forward() -> None:
        started = time.perf_counter()
        for _, ids, mask in batches:
            encoder.forward(ids, mask)
        bare.append(time.perf_counter() - started)

    load_before = loadavg()
    for run in range(runs):
        # Alternate which goes first, so neither always runs on the other's warm caches.
        for step in (embed, forward) if run % 2 == 0 else (forward, embed):
            step()
    return {
        "sentences": len(texts),
        "documents": len(items),
        "real": [len(texts) / t for t in real],
        "bare": [len(texts) / t for t in bare],
        "load": [load_before, loadavg()],
    }


def print_throughput(docs: int, runs: int) -> None:
    print("\n### Index-time embedding throughput: embed_documents against the bare forward pass\n")
    print(
        "| BLAS threads | sentences | embed_documents (sentences/s, best) | bare forward (sentences/s, best) "
        "| ratio (best / best) | ratio per run | load avg |"
    )
    print("|---|---|---|---|---|---|---|")
    for threads in ("1", None):
        f = run_child(["throughput", str(docs), str(runs)], threads=threads)
        per_run = ", ".join(f"{r / b:.3f}" for r, b in zip(f["real"], f["bare"], strict=True))
        print(
            f"| {threads or 'default'} | {f['sentences']:,} ({f['documents']} documents) | {max(f['real']):.1f} "
            f"| {max(f['bare']):.1f} | {max(f['real']) / max(f['bare']):.3f} | {per_run} "
            f"| {f['load'][0]:.1f}-{f['load'][1]:.1f} |",
            flush=True,
        )


# --- memory ----------------------------------------------------------------------------------


def _folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6 if path.exists() else 0.0


def memory_child(name: str, semantic: bool, count: int) -> Figures:
    """RSS after a warm start and ``count`` questions; with vectors when ``semantic``."""
    from bot.serving.library import KnowledgeBase
    from bot.serving.vector_store import VectorStore

    folder, cache = knowledge_base(name)
    start = rss_mb()
    kb = KnowledgeBase(folder, cache_dir=cache, semantic=semantic)
    report = kb.load(embed="no")
    assert report.ok, report.summary_line()
    snapshot = kb.snapshot
    figures: Figures = {"start": start, "lexical_loaded": rss_mb()}
    if semantic:
        gc.collect()
        before = rss_mb()
        encoder = kb.semantic.encoder()
        assert encoder is not None, kb.semantic.unavailable
        gc.collect()
        figures["model"] = rss_mb() - before
        figures["with_model"] = rss_mb()
        snapshot = kb.semantic.attach(snapshot)
        assert snapshot.vectors is not None and snapshot.vectors.complete
        store = VectorStore(cache, encoder.identity)
        figures["vector_files_mb"] = sum(store.path(d.digest).stat().st_size for d in snapshot.documents) / 1e6
    for question in questions_for(name, count):
        snapshot.ask(question)
    gc.collect()
    index_folder = json.loads((cache / "current.json").read_text("utf-8"))["folder"]
    figures.update(
        rss=rss_mb(),
        peak=peak_rss_mb(),
        passages=snapshot.index.size,
        rows=sum(len(layout.sentence_starts) for layout in snapshot.index.layouts),
        index_cache_mb=_folder_mb(cache / index_folder),
        load=loadavg(),
    )
    return figures


def print_memory(names: list[str], count: int, extrapolate: int | None) -> None:
    print("\n### Memory and cache size\n")
    print(
        "| knowledge base | passages | sentence rows | RSS lexical only (MB) | RSS with vectors (MB) | added (MB) "
        "| of which the model / the vectors (MB) | vector files on disk (MB) | index cache (MB) | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    last: Figures | None = None
    for name in names:
        lex = run_child(["memory", name, "0", str(count)], threads=None)
        sem = run_child(["memory", name, "1", str(count)], threads=None)
        sem["vectors_ram"] = sem["rss"] - sem["with_model"]
        last = sem
        print(
            f"| {name} | {sem['passages']:,} | {sem['rows']:,} | {lex['rss']:.0f} | {sem['rss']:.0f} "
            f"| {sem['rss'] - lex['rss']:.0f} | {sem['model']:.0f} / {sem['vectors_ram']:.0f} "
            f"| {sem['vector_files_mb']:.1f} | {sem['index_cache_mb']:.1f} | {lex['load']:.1f} / {sem['load']:.1f} |",
            flush=True,
        )
    if extrapolate and last is not None:
        lex = run_child(["memory", str(extrapolate), "0", "20"], threads=None)
        scale = lex["rows"] / last["rows"]
        vectors = last["vectors_ram"] * scale
        files = last["vector_files_mb"] * scale
        print(
            f"| {extrapolate} (vectors extrapolated) | {lex['passages']:,} | {lex['rows']:,} (counted) "
            f"| {lex['rss']:.0f} (measured) | ~{lex['rss'] + last['model'] + vectors:.0f} "
            f"| ~{last['model'] + vectors:.0f} | {last['model']:.0f} / ~{vectors:.0f} | ~{files:.0f} "
            f"| {lex['index_cache_mb']:.1f} (measured) | {lex['load']:.1f} |",
            flush=True,
        )
        expected = (lex["rows"] * 768 + lex["passages"] * 4 * 384) / 1e6
        print(
            f"<!-- extrapolated from {last['passages']:,} passages: the vectors' RAM and files times {scale:.2f} "
            f"(sentence rows counted in the {extrapolate:,} folder), the model as measured there; arithmetic check: "
            f"float16 rows (768 B) + float32 passage means (1,536 B) = {expected:.0f} MB -->"
        )


# --- plumbing --------------------------------------------------------------------------------


def run_child(args: list[str], threads: str | None) -> Figures:
    """Run one scenario in a fresh Python process, OpenBLAS at ``threads`` (None: its default)."""
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    if threads is not None:
        env["OPENBLAS_NUM_THREADS"] = threads
    # stderr passes through: progress lines show live, and a failure's reason is just above.
    done = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, __file__, "--child", *args], check=False, stdout=subprocess.PIPE, text=True, env=env
    )
    if done.returncode != 0:
        raise SystemExit(f"child {' '.join(args)} failed (exit {done.returncode}; its message is above)")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child(args: list[str]) -> Figures:
    """Dispatch a child scenario."""
    kind, rest = args[0], args[1:]
    if kind == "vectors":
        return vectors_child(rest[0])
    if kind == "latency":
        return latency_child(rest[0], int(rest[1]), rest[2] == "1", rest[3] == "1")
    if kind == "throughput":
        return throughput_child(int(rest[0]), int(rest[1]))
    if kind == "memory":
        return memory_child(rest[0], rest[1] == "1", int(rest[2]))
    raise SystemExit(f"unknown child {kind}")


def main(argv: list[str] | None = None) -> int:
    """Print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("all", "vectors", "latency", "throughput", "memory"), default="all")
    parser.add_argument("--kb", default=None, help="comma-separated: shipped and/or sizes (default per part)")
    parser.add_argument("--questions", type=int, default=400)
    parser.add_argument("--docs", type=int, default=1, help="synthetic documents added to the throughput texts")
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--blas-threads", default=None, help="OpenBLAS threads for building vectors (default: its own)")
    parser.add_argument("--extrapolate", type=int, default=100_000, help="0: no extrapolated memory row")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"load average at start: {Path('/proc/loadavg').read_text().strip()}; {os.cpu_count()} CPUs")
    chosen = args.kb.split(",") if args.kb else None
    if args.part in ("all", "vectors"):
        print_vectors(chosen or ["shipped", "1000", "10000"], args.blas_threads)
    if args.part in ("all", "latency"):
        print_latency(chosen or ["shipped", "10000"], args.questions)
    if args.part in ("all", "throughput"):
        print_throughput(args.docs, args.runs)
    if args.part in ("all", "memory"):
        print_memory(chosen or ["1000", "10000"], 100, args.extrapolate or None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
