"""A real redis-server for the coordination tests: one per session, and one per test that kills it."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests.redis_server import RedisServer, start_or_skip

_namespaces = itertools.count()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    pytest.importorskip("redis", reason="redis-py is not installed (pip install '.[redis]')")
    server = start_or_skip()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A server this test alone may kill, pause and restart."""
    pytest.importorskip("redis", reason="redis-py is not installed (pip install '.[redis]')")
    server = start_or_skip()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def namespace() -> str:
    """Keys of one test never meet another's on the shared server."""
    return f"t{next(_namespaces)}"
