"""The numpy sentence encoder reproduces sentence-transformers' all-mpnet-base-v2.

Reference figures were produced once, outside the project, with the real implementation:
a throwaway venv with ``pip install torch==2.13.0 sentence-transformers`` (sentence-transformers
6.3.0, torch 2.13.0+cpu), ``SentenceTransformer(<the unzipped model folder>, device="cpu")
.encode(texts, normalize_embeddings=True)``. The bucket boundaries are those of
transformers' ``MPNetEncoder.relative_position_bucket``. Over those texts our vectors
differed from it by at most 2e-7 per component.
"""

import importlib.metadata
import re
import shutil
import zipfile

import numpy as np
import pytest

from bot.search import model_files
from bot.search.encoder import MINILM, MPNET, Encoder, ModelError, ModelMissing, default_model, load_encoder
from bot.search.encoder import relative_buckets as buckets
from bot.search.model_files import TOKENIZER_FILE, WEIGHTS_FILE

needs_mpnet = pytest.mark.skipif(not MPNET.installed(), reason="all-mpnet-base-v2 is not installed")

JAPAN = (
    "Japan has become the first country in the Indo-Pacific to strike a security and defence partnership "
    "with the European Union."
)
LONG = " ".join([JAPAN] * 20)  # 462 tokens: cut at 384
LONGER = " ".join([JAPAN] * 30)  # 692 tokens: the same first 384
WEATHER = "The weather is lovely today."
QUESTION = "is japan the first asia-pacific nation to get a defense pact with brussels?"

# reference: first six components of each vector.
REFERENCE_VECTORS = {
    WEATHER: [-0.0540593, -0.0171849, -0.0355374, 0.0500999, 0.0028673, -0.0325625],
    "It's so sunny outside!": [-0.0634693, -0.0316185, -0.0148156, 0.0105882, 0.0307344, -0.0187193],
    "He drove to the stadium.": [-0.0390254, 0.0380164, 0.0017459, 0.0408626, 0.005773, -0.0440112],
    "Who is Kishida's Indian counterpart?": [0.0595198, -0.0136874, -0.0001649, 0.0248481, -0.0066934, 0.0130052],
    JAPAN: [-0.001756, 0.0378754, 0.0205311, -0.0422367, 0.0061067, -0.0242818],
    "Café Münchner Straße — naïve résumé “quoted” 東京": [
        0.0475626,
        0.0202225,
        0.0108262,
        0.001675,
        0.0036819,
        -0.0010412,
    ],
    "": [-0.0125034, 0.0614387, -0.0067346, 0.0252377, 0.0147579, 0.0331775],
    LONG: [0.0255099, 0.0740148, 0.0104953, -0.0080183, -0.0279074, 0.00218],
}
# reference: cosine similarities.
REFERENCE_SIMILARITIES = [
    ("Who is Kishida's Indian counterpart?", JAPAN, 0.295172),
    (JAPAN, QUESTION, 0.737488),
    ("Who is Kishida's Indian counterpart?", QUESTION, 0.283753),
    ("Café Münchner Straße — naïve résumé “quoted” 東京", WEATHER, 0.092044),
    ("", "He drove to the stadium.", 0.021908),
    (LONG, WEATHER, 0.094146),
    (LONG, JAPAN, 0.816874),
]
# reference: the offset (key position minus query position) at which each bucket starts.
LATER_KEYS = [(0, 0), (1, 17), (2, 18), (3, 19), (4, 20), (5, 21), (6, 22), (7, 23), (8, 24), (12, 25), (16, 26)]
LATER_KEYS += [(23, 27), (32, 28), (46, 29), (64, 30), (91, 31)]
EARLIER_KEYS = [(n, b) for n, b in [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (7, 7), (8, 8)]]
EARLIER_KEYS += [(12, 9), (16, 10), (23, 11), (32, 12), (46, 13), (64, 14), (91, 15)]


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return load_encoder(model=MPNET)


def starts(values: list[int]) -> list[tuple[int, int]]:
    return [(i, v) for i, v in enumerate(values) if i == 0 or values[i - 1] != v]


def test_relative_buckets_match_the_reference_boundaries():
    table = buckets(300)
    assert starts(table[0].tolist()) == LATER_KEYS
    assert starts(table[:, 0].tolist()) == EARLIER_KEYS
    # The bucket depends only on the offset, in both directions.
    assert (table[5, 5:] == table[0, :295]).all() and (table[5:, 5] == table[:295, 0]).all()


@needs_mpnet
def test_vectors_match_the_reference_implementation(encoder):
    texts = list(REFERENCE_VECTORS)
    vectors = encoder.encode(texts)
    assert vectors.shape == (len(texts), 768) and vectors.dtype == np.float32
    for text, vector in zip(texts, vectors, strict=True):
        np.testing.assert_allclose(vector[:6], REFERENCE_VECTORS[text], atol=1e-5, err_msg=text[:40])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


@needs_mpnet
@pytest.mark.parametrize(("a", "b", "expected"), REFERENCE_SIMILARITIES)
def test_similarities_match_the_reference_implementation(encoder, a, b, expected):
    u, v = encoder.encode([a, b])
    assert float(u @ v) == pytest.approx(expected, abs=1e-5)


@needs_mpnet
def test_long_text_is_truncated_at_384_tokens(encoder):
    assert [len(ids) for ids in encoder.tokenize([LONG, LONGER])] == [384, 384]
    long, longer = encoder.encode([LONG, LONGER])
    np.testing.assert_allclose(long, longer, atol=1e-6)


@needs_mpnet
def test_padding_and_batching_do_not_change_a_vector(encoder):
    """Relative position biases must not leak across padding: batched rows equal rows alone."""
    texts = ["He drove to the stadium.", JAPAN, WEATHER, "x", LONG]
    together = encoder.encode(texts, batch_size=len(texts))
    alone = np.vstack([encoder.encode([text]) for text in texts])
    np.testing.assert_allclose(together, alone, atol=2e-6)


@needs_mpnet
def test_identity_names_the_model_and_its_weights(encoder):
    assert MPNET.name in encoder.identity
    assert MPNET.weights_sha256[:12] in encoder.identity
    assert encoder.identity != MINILM.identity


def copy_parts(tmp_path, monkeypatch) -> list:
    """Copies of the installed pieces, which the loader is pointed at instead of the originals."""
    copies = []
    for distribution, file in MPNET.parts:
        source = model_files._part_path(distribution, file)
        assert source is not None
        copy = tmp_path / source.name
        shutil.copyfile(source, copy)
        copies.append(copy)
    by_name = {copy.name: copy for copy in copies}
    monkeypatch.setattr(model_files, "_part_path", lambda distribution, file: by_name.get(file.rsplit("/", 1)[-1]))
    return copies


@needs_mpnet
def test_a_changed_piece_of_the_archive_is_refused_with_one_line(tmp_path, monkeypatch):
    copies = copy_parts(tmp_path, monkeypatch)
    with copies[2].open("r+b") as handle:  # the middle of the weights
        handle.seek(40_000_000)
        byte = handle.read(1)
        handle.seek(40_000_000)
        handle.write(bytes([byte[0] ^ 0x01]))
    with pytest.raises(ModelError) as caught:
        load_encoder(model=MPNET)
    assert not isinstance(caught.value, ModelMissing)
    message = str(caught.value)
    assert "\n" not in message
    assert "requirements/model.txt" in message


@needs_mpnet
def test_a_missing_piece_is_model_missing(monkeypatch):
    real = model_files._part_path
    monkeypatch.setattr(model_files, "_part_path", lambda d, f: None if d.endswith("004") else real(d, f))
    assert MPNET.installed() is False
    with pytest.raises(ModelMissing, match=re.escape("requirements/model.txt")):
        load_encoder(model=MPNET)


@needs_mpnet
def test_an_unpacked_folder_loads_and_a_changed_one_is_refused(tmp_path, encoder):
    paths = [model_files._part_path(d, f) for d, f in MPNET.parts]
    with model_files._Joined(paths) as joined, zipfile.ZipFile(joined) as archive:
        for name in (WEIGHTS_FILE, TOKENIZER_FILE):
            (tmp_path / name).write_bytes(archive.read(f"{MPNET.member_folder}/{name}"))
    copy = load_encoder(tmp_path, model=MPNET)
    np.testing.assert_allclose(copy.encode([WEATHER]), encoder.encode([WEATHER]), atol=1e-6)
    text = (tmp_path / TOKENIZER_FILE).read_text("utf-8")
    (tmp_path / TOKENIZER_FILE).write_text(text.replace('"stadium"', '"stadion"', 1), "utf-8")
    with pytest.raises(ModelError, match=re.escape(TOKENIZER_FILE)):
        load_encoder(tmp_path, model=MPNET)


def test_the_best_installed_model_is_the_default(monkeypatch):
    monkeypatch.delenv("SEMANTIC_MODEL", raising=False)
    monkeypatch.setattr(type(MPNET), "installed", lambda self: self.key == "minilm")
    assert default_model() is MINILM  # only the small one installed
    monkeypatch.setattr(type(MPNET), "installed", lambda self: True)
    assert default_model() is MPNET
    monkeypatch.setattr(type(MPNET), "installed", lambda self: False)
    assert default_model() is MPNET  # nothing installed: the hint names the default


def test_semantic_model_picks_a_model_and_refuses_an_unknown_one(monkeypatch):
    monkeypatch.setenv("SEMANTIC_MODEL", " MiniLM ")
    assert default_model() is MINILM
    assert default_model("mpnet") is MPNET
    with pytest.raises(ModelError, match="SEMANTIC_MODEL='bert' is not a known model; use one of mpnet, minilm"):
        default_model("bert")


def test_the_pinned_pieces_are_the_requirements_file():
    """requirements/model.txt installs exactly the distributions the loader looks for."""
    from tests.conftest import ROOT

    lines = [line for line in (ROOT / "requirements" / "model.txt").read_text("utf-8").splitlines() if "==" in line]
    assert [line.split("==")[0] for line in lines] == [distribution for distribution, _ in MPNET.parts]
    assert all("--hash=sha256:" in line for line in lines)
    if MPNET.installed():
        versions = {importlib.metadata.version(d) for d, _ in MPNET.parts}
        assert versions == {"0.0.1"}
