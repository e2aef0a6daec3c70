"""Which feedback store the settings ask for: PostgreSQL with ``DATABASE_URL``, else SQLite.

Takes anything with the four settings below rather than ``bot.config.Settings`` itself, so
this package stays below the configuration in the import order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from bot.feedback.store import FeedbackStore

__all__ = ["FeedbackSettings", "open_feedback_store"]


class _Secret(Protocol):
    def reveal(self) -> str: ...


class FeedbackSettings(Protocol):
    """The part of ``bot.config.Settings`` a feedback store needs."""

    @property
    def database_url(self) -> _Secret | None: ...  # noqa: D102

    @property
    def database_path(self) -> Path: ...  # noqa: D102

    @property
    def feedback_key(self) -> _Secret | None: ...  # noqa: D102

    @property
    def feedback_retention_days(self) -> int: ...  # noqa: D102


def open_feedback_store(settings: FeedbackSettings) -> FeedbackStore:
    """The store for these settings; nothing is connected until the first use.

    Several hosts share one PostgreSQL database (and must share ``FEEDBACK_KEY``, which the
    configuration already insists on); processes on one host may share the SQLite file.
    """
    key = settings.feedback_key.reveal() if settings.feedback_key is not None else None
    if settings.database_url is not None:
        if key is None:
            raise ValueError("a PostgreSQL feedback store needs FEEDBACK_KEY, shared by every host")
        return FeedbackStore.postgres(
            settings.database_url.reveal(), key, retention_days=settings.feedback_retention_days
        )
    return FeedbackStore.sqlite(settings.database_path, key, retention_days=settings.feedback_retention_days)
