"""A real redis-server for the coordination tests: one per session, and one per test that kills it."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests.redis_server import RedisServer, redis_or_skip

_namespaces = itertools.count()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    with redis_or_skip() as server:
        yield server


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A server this test alone may kill, pause and restart."""
    with redis_or_skip() as server:
        yield server


@pytest.fixture
def namespace() -> str:
    """Keys of one test never meet another's on the shared server."""
    return f"t{next(_namespaces)}"
