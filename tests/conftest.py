"""Shared builders: small knowledge folders on disk and the shipped knowledge base."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.search.answer import Answer, answer_question
from bot.serving.snapshot import Snapshot, build_snapshot

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


def front_matter(title: str = "A title", author: str = "A. Writer", publisher: str = "The Paper", **extra: str) -> str:
    """A valid front-matter block with the given fields."""
    lines = ["---", f"title: {title}", f"author: {author}", f"publisher: {publisher}"]
    lines += [f"{key}: {value}" for key, value in extra.items()]
    return "\n".join([*lines, "---", ""])


def version_surfaces(snapshot: Snapshot, question: str) -> list[str]:
    """The question's concepts as the name rules leave them: a named document's version taken out."""
    from bot.search.naming import document_names
    from bot.search.query import read_question

    names = document_names(snapshot.index, snapshot.analyzer)
    query = read_question(question, snapshot.index, snapshot.analyzer, snapshot.speller)
    return [c.surface for c in names.take_versions(query, list(snapshot.analyzer.words(question))).concepts]


def answer_lexically(snapshot: Snapshot, question: str, **options: Any) -> Answer:
    """``answer_question`` on a snapshot's index by words alone, with its blend (the name rules need no vectors)."""
    return answer_question(
        question, snapshot.index, snapshot.analyzer, snapshot.speller, blend=snapshot.blend, **options
    )


def document_position(snapshot: Snapshot, doc_id: str) -> int:
    """The index position of the document ``doc_id`` (what ``Names`` maps name words to)."""
    return next(i for i, d in enumerate(snapshot.index.documents) if d.doc_id == doc_id)


def make_kb(folder: Path, files: dict[str, str | bytes]) -> Path:
    """Write a knowledge folder: name -> text (UTF-8) or raw bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def load_questions(name: str) -> list[dict]:
    """A question set from tests/data."""
    return [json.loads(line) for line in (DATA / name).read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def shipped() -> Snapshot:
    """The knowledge base the project ships."""
    return build_snapshot(ROOT / "knowledge")


@pytest.fixture(scope="session")
def shipped_semantic(shipped: Snapshot, tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """The shipped knowledge base answering with sentence vectors (skipped without the model)."""
    return attach_vectors(shipped, tmp_path_factory.mktemp("vectors"))


def attach_vectors(snapshot: Snapshot, folder: Path, model: str = "") -> Snapshot:
    """``snapshot`` answering with sentence vectors cached in ``folder``; the test skips without the model.

    ``model`` is a ``SEMANTIC_MODEL`` value; empty: the default (the best one installed).
    """
    from bot.search.encoder import default_model
    from bot.serving.semantic import SemanticLayer

    spec = default_model(model)
    if not spec.installed():
        pytest.skip(f"the sentence model {spec.name} is not installed ({spec.install_hint})")
    attached = SemanticLayer(folder, model=model).attach(snapshot)
    assert attached.semantic
    return attached
