"""Stores on both backends: a SQLite file per test, and a database per test on a real
PostgreSQL server started from Debian's binaries in a temp folder (skipped without them).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.feedback import FeedbackStore

KEY = b"test-key-0123456789abcdef"
START = 1_750_000_000.0  # 2025-06-15, a fixed "now" for every test
_names = itertools.count()


class Clock:
    """Wall time the test moves by hand: ``purge_older_than`` and ``gaps`` read it."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, days: float = 0, seconds: float = 0) -> None:
        self.now += days * 86_400 + seconds


def _pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


@dataclass
class PostgresServer:
    """A throwaway server listening only on a Unix socket in its own folder."""

    socket_dir: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"

    def new_database(self) -> str:
        """A fresh empty schema, as its own URL: much faster than CREATE DATABASE per test."""
        import psycopg

        name = f"t{os.getpid()}_{next(_names)}"
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f"CREATE SCHEMA {name}")
        return f"{self.url()}&options=-csearch_path%3D{name}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    pytest.importorskip("psycopg", reason="psycopg is not installed")
    bindir = _pg_bin()
    if bindir is None or not (bindir / "initdb").exists():
        pytest.skip("PostgreSQL binaries not found (apt-get install postgresql)")
    run_as: dict[str, int] = {}
    root = Path(tempfile.mkdtemp(prefix="feedback-pg-"))
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root, ignore_errors=True)
            pytest.skip("running as root and there is no postgres user to run the server as")
        os.chown(root, account.pw_uid, account.pw_gid)
        run_as = {"user": account.pw_uid, "group": account.pw_gid}
    data = root / "data"
    options = f"-c listen_addresses='' -k {root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    try:
        subprocess.run(
            [bindir / "initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"],
            check=True,
            capture_output=True,
            **run_as,  # type: ignore[arg-type]
        )
        subprocess.run(
            [bindir / "pg_ctl", "-D", data, "-o", options, "-l", root / "log", "-w", "-t", "30", "start"],
            check=True,
            capture_output=True,
            **run_as,  # type: ignore[arg-type]
        )
    except (OSError, subprocess.CalledProcessError) as error:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"could not start PostgreSQL: {error}")
    try:
        yield PostgresServer(root)
    finally:
        subprocess.run(
            [bindir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
            check=False,
            capture_output=True,
            **run_as,  # type: ignore[arg-type]
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["sqlite", "postgres"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def make_store(
    kind: str, tmp_path: Path, clock: Clock, request: pytest.FixtureRequest
) -> Iterator[Callable[..., FeedbackStore]]:
    """Stores on one database (each call opens another connection to the same one)."""
    if kind == "sqlite":
        path = tmp_path / "feedback.sqlite3"

        def make(**options: object) -> FeedbackStore:
            options.setdefault("key", KEY)
            return FeedbackStore.sqlite(path, clock=clock, **options)  # type: ignore[arg-type]

        make.location = path  # type: ignore[attr-defined]
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.new_database()

        def make(**options: object) -> FeedbackStore:
            options.setdefault("key", KEY)
            return FeedbackStore.postgres(url, clock=clock, **options)  # type: ignore[arg-type]

        make.location = url  # type: ignore[attr-defined]
    opened: list[FeedbackStore] = []

    def tracked(**options: object) -> FeedbackStore:
        store = make(**options)
        opened.append(store)
        return store

    tracked.location = make.location  # type: ignore[attr-defined]
    yield tracked
    for store in opened:
        store.close()


@pytest.fixture
def store(make_store: Callable[..., FeedbackStore]) -> FeedbackStore:
    return make_store()
