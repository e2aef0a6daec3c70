"""Which failures are worth trying again, how long to wait, and how they are logged."""

from __future__ import annotations

import logging
import random
import sys

import aiohttp
import discord
import pytest
from aiohttp.client_reqrep import ConnectionKey

from bot.adapter.client import Backoff, is_transient
from bot.log import RedactingFormatter, is_network_error


class _Response:
    def __init__(self, status: int) -> None:
        self.status = status
        self.reason = "reason"


def _connector_error() -> aiohttp.ClientConnectorError:
    key = ConnectionKey("discord.com", 443, True, True, None, None, None)
    return aiohttp.ClientConnectorError(key, OSError(-2, "Name or service not known"))


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (_connector_error(), True),
        (aiohttp.ServerDisconnectedError(), True),
        (TimeoutError(), True),
        (ConnectionResetError(104, "reset"), True),
        (discord.GatewayNotFound(), True),
        (discord.DiscordServerError(_Response(502), "bad gateway"), True),
        (discord.HTTPException(_Response(429), "slow down"), True),
        (discord.LoginFailure("bad token"), False),
        (discord.PrivilegedIntentsRequired(None), False),
        (discord.Forbidden(_Response(403), "no"), False),
        (ValueError("a bug"), False),
    ],
)
def test_only_failures_that_can_pass_are_retried(exc, transient):
    assert is_transient(exc) is transient


def test_the_backoff_doubles_with_jitter_up_to_its_cap():
    rng = random.Random(7)
    backoff = Backoff(first=1.0, cap=60.0)
    for attempt in range(1, 200):
        nominal = min(60.0, 2.0 ** (attempt - 1))
        assert nominal / 2 <= backoff.delay(attempt, rng) <= nominal
    waits = {round(backoff.delay(3, rng), 3) for _ in range(20)}
    assert len(waits) > 10  # jittered: processes that failed together do not retry together


def _record_with(exc: BaseException) -> logging.LogRecord:
    try:
        raise exc
    except BaseException:
        info = sys.exc_info()
    return logging.LogRecord(
        "discord.client", logging.ERROR, __file__, 1, "Attempting a reconnect in %.2fs", (2.5,), info
    )


def test_network_errors_are_logged_in_one_line_unless_debugging():
    record = _record_with(_connector_error())
    line = RedactingFormatter([], "%(message)s", tracebacks=False).format(record)
    assert (
        line
        == "Attempting a reconnect in 2.50s (Cannot connect to host discord.com:443 ssl:default [Name or service not known])"
    )
    assert "Traceback" in RedactingFormatter([], "%(message)s", tracebacks=True).format(
        _record_with(_connector_error())
    )
    bug = RedactingFormatter([], "%(message)s", tracebacks=False).format(_record_with(ValueError("a bug")))
    assert "Traceback" in bug  # a real bug keeps its traceback: someone has to fix it
    assert is_network_error(discord.GatewayNotFound()) and not is_network_error(ValueError())
