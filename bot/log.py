"""Logging for entry points: one format, secrets redacted, one line per question.

Only entry points call ``setup_logging``; library modules just use
``logging.getLogger(__name__)``. The redaction happens in the formatter, after the message
and any traceback are rendered, so a token can leak through neither ``%`` arguments nor
exception text nor a third-party logger.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

__all__ = ["RedactingFormatter", "log_question", "setup_logging"]

REDACTED = "[redacted]"
_QUESTIONS = logging.getLogger("bot.questions")


class RedactingFormatter(logging.Formatter):
    """A formatter that replaces every secret in the final text."""

    def __init__(self, secrets: Iterable[str], fmt: str | None = None) -> None:
        super().__init__(fmt or "%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        self._secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        """Format as usual, then redact."""
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


def setup_logging(level: str, secrets: Iterable[str] = (), stream: object = None) -> logging.Handler:
    """Configure the root logger once; returns the handler (tests capture through it)."""
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(RedactingFormatter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # discord.py is chatty at INFO about its own connection; keep its warnings and errors.
    logging.getLogger("discord").setLevel(level if level == "DEBUG" else "WARNING")
    # commands.Bot warns that prefix commands need message content; this bot has none.
    logging.getLogger("discord.ext.commands.bot").setLevel("ERROR")
    return handler


def log_question(
    *,
    guild_id: int | None,
    channel_id: int | None,
    command: str,
    latency_ms: float,
    status: str,
    passages: int,
    text: str = "",
) -> None:
    """One line per question: ids, command, latency, outcome; the text only at DEBUG."""
    _QUESTIONS.info(
        "question guild=%s channel=%s command=%s latency_ms=%.1f status=%s passages=%d",
        guild_id,
        channel_id,
        command,
        latency_ms,
        status,
        passages,
    )
    if text:
        _QUESTIONS.debug("question text=%r", text[:500])
