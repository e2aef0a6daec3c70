"""The real entry point, ``python -m bot run``, as a process: start-up checks and signals."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import sys
import time

import pytest

from tests.adapter.conftest import TOKEN
from tests.conftest import ROOT
from tests.fakes.discord_fake import FakeDiscord

pytestmark = pytest.mark.asyncio


def bot_environment(tmp_path, env: dict[str, str]) -> dict[str, str]:
    knowledge = tmp_path / "knowledge"
    if not knowledge.exists():
        shutil.copytree(ROOT / "knowledge", knowledge, ignore=shutil.ignore_patterns(".cache"))
    full = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "KNOWLEDGE_", "INDEX_"))}
    full.update({"KNOWLEDGE_DIR": str(knowledge), "PYTHONPATH": str(ROOT), **env})
    return full


async def run_bot(tmp_path, env: dict[str, str], command: str = "run") -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        command,
        cwd=tmp_path,
        env=bot_environment(tmp_path, env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def health(tmp_path, env: dict[str, str]) -> tuple[int, str]:
    """``python -m bot health`` with the same settings as the bot, as the image's HEALTHCHECK runs it."""
    process = await run_bot(tmp_path, env, "health")
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert err == b""
    return process.returncode, out.decode().strip()


def against(fake: FakeDiscord) -> dict[str, str]:
    """Point the bot at the fake Discord, logging everything (the token must stay out even at DEBUG)."""
    return {
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_API_BASE": fake.base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "LOG_LEVEL": "DEBUG",
    }


async def test_configuration_mistakes_stop_before_connecting(tmp_path):
    process = await run_bot(tmp_path, {"DISCORD_TOKEN": "", "MOD_ROLE_IDS": "abc", "LOG_LEVEL": "LOUD"})
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    lines = err.decode().strip().splitlines()
    assert lines == [
        "config error: DISCORD_TOKEN: missing; copy the bot token from the Developer Portal into .env",
        "config error: MOD_ROLE_IDS: 'abc' is not a Discord id (digits only, comma-separated)",
        "config error: LOG_LEVEL: 'LOUD' is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
    ]


async def test_sigterm_closes_the_gateway_and_exits_zero(tmp_path):
    fake = FakeDiscord(TOKEN)
    await fake.start()
    try:
        process = await run_bot(tmp_path, against(fake))
        for _ in range(300):
            if fake.identifies and fake.connected:
                break
            await asyncio.sleep(0.1)
        assert fake.identifies, "the bot never identified"
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, err.decode()[-2000:]
        text = (out + err).decode()
        assert "received SIGTERM; shutting down" in text
        assert TOKEN not in text
        assert fake.connected == 0
    finally:
        await fake.stop()


async def test_a_rejected_token_exits_one_without_printing_it(tmp_path):
    fake = FakeDiscord("OTHER.token.value")
    await fake.start()
    try:
        process = await run_bot(tmp_path, {**against(fake), "LOG_LEVEL": "INFO"})
        out, err = await asyncio.wait_for(process.communicate(), 60)
        text = (out + err).decode()
        assert process.returncode == 1
        assert text.count("Discord refused the token") == 1  # fatal at once: retrying cannot help
        assert sum(r.path == "/users/@me" for r in fake.requests) == 1
        assert "could not reach" not in text
        assert_no_traceback(text)
        assert TOKEN not in text
    finally:
        await fake.stop()


async def test_a_broken_knowledge_folder_stops_start_up(tmp_path):
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "bad.md").write_text("no front matter\n", encoding="utf-8")
    process = await run_bot(tmp_path, {"DISCORD_TOKEN": TOKEN})
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    assert f"{knowledge}/bad.md:1: no front matter" in err.decode()


def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on: connecting is refused at once, like no network."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Silent:
    """A TCP server on 127.0.0.1 that accepts connections and never answers (a stalled network)."""

    def __init__(self) -> None:
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> Silent:
        async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            self._writers.append(writer)
            with contextlib.suppress(Exception):
                await reader.read()  # until the bot hangs up

        self._server = await asyncio.start_server(hold, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for writer in self._writers:
            writer.close()
        self._server.close()

    @property
    def port(self) -> int:
        return self._server.sockets[0].getsockname()[1]


async def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def stderr_lines(
    process: asyncio.subprocess.Process, count: int, needle: str, timeout: float = 30.0
) -> list[str]:
    """Read standard error until ``count`` lines contain ``needle``; returns every line read."""
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while sum(needle in line for line in lines) < count:
        try:
            line = await asyncio.wait_for(process.stderr.readline(), max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            raise AssertionError(f"no {count} line(s) with {needle!r} in {timeout} s:\n" + "".join(lines)) from None
        assert line, "the bot exited early:\n" + "".join(lines)
        lines.append(line.decode())
    return lines


def assert_no_traceback(text: str) -> None:
    assert "Traceback" not in text, text[-3000:]
    assert "Connector is closed" not in text
    assert "Unclosed" not in text  # no aiohttp session or connector left open


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_no_network_is_one_line_per_attempt_with_backoff_and_a_signal_exits_zero(tmp_path, sig):
    port = closed_port()
    env = {
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_API_BASE": f"http://127.0.0.1:{port}/api/v10",
        "DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{port}/gateway",
    }
    process = await run_bot(tmp_path, env)
    lines = await stderr_lines(process, 2, "could not reach Discord")
    failures = [line for line in lines if "could not reach Discord" in line]
    waits = [float(line.rsplit("trying again in ", 1)[1].split(" s")[0]) for line in failures]
    assert 0.5 <= waits[0] <= 1.0 and 1.0 <= waits[1] <= 2.0  # doubling, with jitter
    assert all(f"Cannot connect to host 127.0.0.1:{port}" in line for line in failures)
    process.send_signal(sig)  # while it waits to try again
    out, err = await asyncio.wait_for(process.communicate(), 30)
    text = "".join(lines) + (out + err).decode()
    assert process.returncode == 0, text[-2000:]
    assert f"received {sig.name}; shutting down" in text
    assert_no_traceback(text)
    assert TOKEN not in text


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_while_logging_in_exits_zero_cleanly(tmp_path, sig):
    """The login request is in flight (the network stalls) when the signal comes."""
    async with Silent() as silent:
        env = {"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": f"http://127.0.0.1:{silent.port}/api/v10"}
        process = await run_bot(tmp_path, env)
        await wait_until(lambda: silent.connections)
        process.send_signal(sig)
        out, err = await asyncio.wait_for(process.communicate(), 30)
    text = (out + err).decode()
    assert process.returncode == 0, text[-2000:]
    assert f"received {sig.name}; shutting down" in text
    assert_no_traceback(text)


async def test_a_signal_while_connecting_to_the_gateway_exits_zero_cleanly(tmp_path):
    """Logged in over REST; the gateway's websocket handshake never completes."""
    fake = FakeDiscord(TOKEN)
    await fake.start()
    try:
        async with Silent() as silent:
            env = {**against(fake), "DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{silent.port}/gateway"}
            process = await run_bot(tmp_path, env)
            await wait_until(lambda: silent.connections)
            assert any(r.path == "/users/@me" for r in fake.requests)
            process.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(process.communicate(), 30)
        text = (out + err).decode()
        assert process.returncode == 0, text[-2000:]
        assert_no_traceback(text)
        assert TOKEN not in text
    finally:
        await fake.stop()


async def test_a_lost_connection_while_serving_reconnects_with_one_line_per_attempt(tmp_path):
    """discord.py retries the gateway itself and logs each try; each must stay one line."""
    fake = FakeDiscord(TOKEN)
    await fake.start()
    try:
        process = await run_bot(tmp_path, {**against(fake), "LOG_LEVEL": "INFO"})
        await wait_until(lambda: fake.identifies and fake.connected)
        await fake.stop()  # Discord disappears: the websocket drops and reconnecting is refused
        lines = await stderr_lines(process, 2, "Attempting a reconnect")
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 30)
        text = "".join(lines) + (out + err).decode()
        assert process.returncode == 0, text[-2000:]
        assert_no_traceback(text)
    finally:
        await fake.stop()


async def test_health_reports_connected_and_serving_then_not(tmp_path):
    fake = FakeDiscord(TOKEN)
    await fake.start()
    env = {**against(fake), "LOG_LEVEL": "INFO"}
    try:
        assert (await health(tmp_path, env))[0] == 1  # not started yet: no status file
        process = await run_bot(tmp_path, env)
        await wait_until(lambda: fake.identifies and fake.connected)
        for _ in range(100):  # on_ready follows IDENTIFY by a moment
            code, line = await health(tmp_path, env)
            if code == 0:
                break
            await asyncio.sleep(0.1)
        assert (code, line.split(";")[0]) == (0, "healthy: connected to Discord in 1 server(s), serving 1 document(s)")
        await fake.stop()  # Discord goes away: the bot is up but not connected
        lines = await stderr_lines(process, 1, "Attempting a reconnect")
        code, line = await health(tmp_path, env)
        assert code == 1 and "not connected to Discord" in line, line
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, ("".join(lines) + err.decode())[-2000:]
        assert await health(tmp_path, env) == (1, "unhealthy: stopped, not connected to Discord")
    finally:
        await fake.stop()


async def test_health_while_discord_cannot_be_reached_says_why(tmp_path):
    port = closed_port()
    env = {"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": f"http://127.0.0.1:{port}/api/v10"}
    process = await run_bot(tmp_path, env)
    try:
        await stderr_lines(process, 1, "could not reach Discord")
        code, line = await health(tmp_path, env)
        assert code == 1
        assert line.startswith("unhealthy: waiting (could not reach Discord: Cannot connect to host 127.0.0.1:")
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0
