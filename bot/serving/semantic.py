"""The semantic layer switched on for a snapshot: load the model once, embed what is missing, attach.

Kept apart from building a snapshot so that nothing waits for it: a snapshot answers
lexically the moment it is built, and this module gives it sentence vectors afterwards (in
the worker that built it, for the bot; in line, for the command line). Without the model
installed everything here is a no-op that says once how to turn the layer on.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from bot.search.encoder import Encoder, ModelError, ModelMissing, default_model, load_encoder
from bot.search.vectors import VectorTable
from bot.serving.snapshot import Snapshot
from bot.serving.vector_store import EmbedProgress, VectorStore, embed_documents

__all__ = ["SemanticLayer", "semantic_wanted"]

log = logging.getLogger(__name__)


@functools.cache
def _process_encoder(model: str) -> Encoder:
    """A model, loaded once per process: every knowledge base here asking for it shares it."""
    return load_encoder(model=model)


def semantic_wanted(value: str | None) -> bool:
    """``SEMANTIC`` read as on (the default, empty included) or off."""
    return (value or "").strip().lower() not in {"0", "false", "no", "off"}


class SemanticLayer:
    """One loaded encoder per process, and the vectors it gives each snapshot.

    ``cache_dir`` is where vectors are kept between runs (None: in memory only). ``model`` is
    a ``SEMANTIC_MODEL`` value (empty: the best one installed; None: read ``SEMANTIC_MODEL``
    from the environment when the model is first needed). The model is loaded on first
    use, in whatever thread first needs it, never on the event loop.
    """

    def __init__(
        self,
        cache_dir: str | os.PathLike[str] | None,
        *,
        enabled: bool = True,
        encoder: Encoder | None = None,
        model: str | None = None,
    ) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.enabled = enabled
        self.model = model
        self._encoder: Encoder | None = encoder
        self._unavailable: str | None = None if enabled else "turned off (SEMANTIC=off)"
        self._lock = threading.Lock()

    @property
    def unavailable(self) -> str | None:
        """Why the layer is off, once that is known (None while it is on or not yet tried)."""
        return self._unavailable

    def start_up_note(self) -> str | None:
        """The one line to log at start-up when the layer cannot be on, else None (cheap: no loading)."""
        if not self.enabled:
            return "semantic layer off (SEMANTIC=off): answering by words only"
        if self._encoder is not None:
            return None
        try:
            spec = default_model(self.model)
        except ModelError as exc:
            return f"semantic layer off: {exc}"
        if not spec.installed():
            return f"semantic layer off: the sentence model is not installed; turn it on with: {spec.install_hint}"
        return None

    def encoder(self) -> Encoder | None:
        """The loaded encoder, loading it on first call; None (and logged once) when it cannot be."""
        if self._encoder is not None or self._unavailable is not None:
            return self._encoder
        with self._lock:
            if self._encoder is None and self._unavailable is None:
                try:
                    spec = default_model(self.model)
                    self._encoder = _process_encoder(spec.key)
                except ModelMissing:  # only loading raises it, so ``spec`` is set
                    self._unavailable = f"the sentence model is not installed; turn it on with: {spec.install_hint}"
                except ModelError as exc:
                    self._unavailable = str(exc)
                    log.error("semantic layer off: %s", exc)
        return self._encoder

    def attach(
        self,
        snapshot: Snapshot,
        *,
        progress: Callable[[EmbedProgress], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Snapshot:
        """``snapshot`` with sentence vectors for every document (embedding those not cached yet).

        Returns the snapshot unchanged when the layer is off or the run was cancelled.
        """
        encoder = self.encoder()
        if encoder is None:
            return snapshot
        store = VectorStore(self.cache_dir, encoder.identity) if self.cache_dir is not None else None
        index = snapshot.index
        vectors = embed_documents(
            list(zip(index.documents, index.layouts, strict=True)),
            encoder.encode,
            encoder.dim,
            store,
            progress=progress,
            cancelled=cancelled,
        )
        if cancelled is not None and cancelled():
            return snapshot
        return snapshot.with_vectors(VectorTable.build(index, encoder.identity, vectors), encoder.encode)
