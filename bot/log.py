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

__all__ = ["RedactingFormatter", "is_network_error", "log_question", "one_line", "setup_logging"]

REDACTED = "[redacted]"
_QUESTIONS = logging.getLogger("bot.questions")


def one_line(exc: BaseException) -> str:
    """An exception as people read it: its message on one line, or its kind if it has none."""
    text = " ".join(str(exc).split())
    kind = {"TimeoutError": "timed out", "CancelledError": "cancelled"}.get(type(exc).__name__, type(exc).__name__)
    return text[:300] if text else kind


def is_network_error(exc: BaseException) -> bool:
    """The network or Discord's end failing: worth one line in a log, not a traceback.

    Judged by type and module so this module imports neither aiohttp nor discord.
    """
    if isinstance(exc, OSError | TimeoutError):
        return True
    for cls in type(exc).__mro__:
        package = cls.__module__.split(".", 1)[0]
        if package == "aiohttp" and cls.__name__ != "Exception":
            return True
        if package == "discord" and cls.__name__ in ("ConnectionClosed", "GatewayNotFound", "DiscordServerError"):
            return True
    return False


class RedactingFormatter(logging.Formatter):
    """A formatter that replaces every secret in the final text.

    Unless ``tracebacks`` is set (LOG_LEVEL=DEBUG), a network error attached to a record is
    written as one line after the message: discord.py logs every reconnect attempt with
    the full traceback of the connection error, forty lines that say "no network".
    """

    def __init__(self, secrets: Iterable[str], fmt: str | None = None, *, tracebacks: bool = True) -> None:
        super().__init__(fmt or "%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        self._secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)
        self._tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        """Format as usual (network errors in one line), then redact."""
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and not self._tracebacks and is_network_error(exc):
            record = logging.makeLogRecord(
                {**record.__dict__, "msg": f"{record.getMessage()} ({one_line(exc)})", "args": None}
                | {"exc_info": None, "exc_text": None}
            )
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


class _NoVoiceWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "voice will NOT be supported" not in record.getMessage()


def setup_logging(level: str, secrets: Iterable[str] = (), stream: object = None) -> logging.Handler:
    """Configure the root logger once; returns the handler (tests capture through it)."""
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(RedactingFormatter(secrets, tracebacks=level == "DEBUG"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # discord.py is chatty at INFO about its own connection; keep its warnings and errors.
    logging.getLogger("discord").setLevel(level if level == "DEBUG" else "WARNING")
    # commands.Bot warns that prefix commands need message content; this bot has none.
    logging.getLogger("discord.ext.commands.bot").setLevel("ERROR")
    # Nor does it speak in voice channels: "PyNaCl is not installed" is only noise at start-up.
    voice = logging.getLogger("discord.client")
    if not any(isinstance(f, _NoVoiceWarnings) for f in voice.filters):
        voice.addFilter(_NoVoiceWarnings())
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
