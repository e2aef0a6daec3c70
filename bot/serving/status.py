"""The running bot's health, as a small file another process can read (Docker's HEALTHCHECK).

A container that is "up" may still be cut off from Discord or serving nothing, so the bot
writes what it is doing (connecting, connected, waiting to retry, stopped), whether a
knowledge base is serving, and a heartbeat time, whenever that changes and every
``HEARTBEAT_SECONDS`` besides. ``python -m bot health`` reads it: healthy only when the
heartbeat is fresh (a stuck event loop stops it) and the bot is connected and serving.
Writes are atomic (a temporary file, then a rename), so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = [
    "HEARTBEAT_SECONDS",
    "MAX_AGE_SECONDS",
    "Status",
    "check_health",
    "read_status",
    "status_path",
    "write_status",
]

HEARTBEAT_SECONDS = 20.0
MAX_AGE_SECONDS = 3 * HEARTBEAT_SECONDS  # three missed beats
CONNECTED = "connected"


@dataclass(frozen=True, slots=True)
class Status:
    """One report from the running bot."""

    state: str  # starting, connecting, connected, disconnected, waiting, stopped
    serving: bool  # a knowledge base is loaded and answering
    heartbeat: float  # time.time() of this report
    pid: int
    documents: int = 0
    guilds: int = 0
    detail: str = ""


def status_path(cache_dir: str | os.PathLike[str], shard_ids: tuple[int, ...] | None = None) -> Path:
    """Where a bot process reports: in its cache folder, one file per set of shards.

    Shard processes may share one cache folder; each needs its own file.
    """
    name = "status.json" if shard_ids is None else f"status-shards-{'-'.join(map(str, shard_ids))}.json"
    return Path(cache_dir) / name


def write_status(path: str | os.PathLike[str], status: Status) -> None:
    """Replace the status file atomically; raises OSError when the folder is not writable."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".status-", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(status), handle)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def read_status(path: str | os.PathLike[str]) -> Status:
    """The last report; raises OSError if there is none and ValueError if it is damaged."""
    data = json.loads(Path(path).read_text("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("not a status object")
    try:
        return Status(
            state=str(data["state"]),
            serving=bool(data["serving"]),
            heartbeat=float(data["heartbeat"]),
            pid=int(data["pid"]),
            documents=int(data.get("documents", 0)),
            guilds=int(data.get("guilds", 0)),
            detail=str(data.get("detail", "")),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"missing or wrong field: {exc}") from exc


def check_health(path: str | os.PathLike[str], now: float, max_age: float = MAX_AGE_SECONDS) -> tuple[bool, str]:
    """Whether the bot is healthy, and one line saying why (or why not)."""
    try:
        status = read_status(path)
    except FileNotFoundError:
        return False, f"unhealthy: no status file at {os.fspath(path)} (the bot is not running, or not yet)"
    except OSError as exc:
        return False, f"unhealthy: cannot read {os.fspath(path)}: {exc.strerror or exc}"
    except ValueError as exc:
        return False, f"unhealthy: damaged status file {os.fspath(path)}: {exc}"
    age = now - status.heartbeat
    detail = f" ({status.detail})" if status.detail else ""
    if age > max_age:
        return False, f"unhealthy: last heartbeat {age:.0f} s ago (then: {status.state}); the bot is stuck or gone"
    if status.state != CONNECTED:
        return False, f"unhealthy: {status.state}{detail}, not connected to Discord"
    if not status.serving:
        return False, "unhealthy: connected but no knowledge base is serving"
    return True, (
        f"healthy: connected to Discord in {status.guilds} server(s), serving {status.documents} document(s);"
        f" heartbeat {max(age, 0):.0f} s ago"
    )
