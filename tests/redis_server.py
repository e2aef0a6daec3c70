"""A throwaway redis-server on a free 127.0.0.1 port, from Debian's package (tests and bench).

It can be killed and started again on the same port, which is how the tests take Redis
away from a running bot and give it back. Nothing is persisted: a restarted server is empty.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["RedisServer", "redis_binary"]


def redis_binary() -> str | None:
    """The redis-server executable, or None (``apt-get install redis-server``)."""
    return shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """One redis-server process; ``url`` stays the same across ``kill`` and ``start``."""

    def __init__(self, binary: str, port: int | None = None) -> None:
        self.binary = binary
        self.port = port or _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="redis-test-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        """Start (again) and wait until it answers PING."""
        self.process = subprocess.Popen(
            [
                self.binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode} (port {self.port} taken?)")
            if self.ping():
                return
            time.sleep(0.02)
        self.kill()
        raise RuntimeError("redis-server did not answer PING")

    def ping(self) -> bool:
        """True when the server answers PING (raw protocol: no client library needed)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: the connections drop as when a Redis host dies."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def pause(self) -> None:
        """SIGSTOP: connections stay open but nothing answers (a hung or partitioned server)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def close(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGCONT)
        self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def start_or_skip() -> RedisServer:
    """A started server, or a pytest skip naming the package to install."""
    import pytest

    binary = redis_binary()
    if binary is None:
        pytest.skip("redis-server not found (apt-get install redis-server)")
    server = RedisServer(binary)
    try:
        server.start()
    except (OSError, RuntimeError) as error:
        server.close()
        pytest.skip(f"could not start redis-server: {error}")
    return server


@contextlib.contextmanager
def redis_or_skip() -> Iterator[RedisServer]:
    """A started server for the length of a fixture (closed after), or a skip naming what to install."""
    import pytest

    pytest.importorskip("redis", reason="redis-py is not installed (pip install '.[redis]')")
    server = start_or_skip()
    try:
        yield server
    finally:
        server.close()
