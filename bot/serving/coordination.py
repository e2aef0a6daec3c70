"""Several bot processes acting as one bot, through Redis (``REDIS_URL``).

Three things are shared: a ``/reload`` (published on a channel; every process reloads from
the shared knowledge folder and answers on a per-request list, and the sender reports every
process's outcome, naming those that did not answer in time), per-user question limits (a
fixed window per user counted by an atomic Lua script, so a user's questions count once
whichever shard they reach), and the busy count (questions being answered, summed over
live processes). Without a URL, or while Redis is unreachable, everything is what a single
process does on its own: the local limiter, the local count, a local reload. Losing Redis
costs one log line, reconnecting happens in the background with backoff, and a question
never waits on Redis longer than ``fast_timeout`` (75 ms by default).

Redis keys (all under ``namespace``, default ``kqbot``): ``processes`` (sorted set: member
= a process's identity, score = its last heartbeat in Redis server time), ``inflight``
(hash: identity -> questions in flight), ``limit:<name>:<user>`` (a window's count, expiring
with the window), ``reload`` (the channel) and ``reload:<id>`` (the replies to one request).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from bot.serving.library import ReloadReport

__all__ = [
    "Coordinator",
    "FanoutReport",
    "LocalLimit",
    "ProcessId",
    "ProcessOutcome",
    "SharedCounter",
    "SharedLimiter",
    "redis_location",
]

log = logging.getLogger(__name__)

PROTOCOL = 1  # bumped when the message shape changes; other versions are ignored, not misread
MAX_PROBLEMS = 5  # problems carried per remote outcome: the reply shows a few, the logs have all
REPLY_TTL_SECONDS = 120  # a late reply must not leave a key behind for ever

# KEYS[1] the user's window. ARGV: rate, window in ms. Returns -1 (go ahead) or ms to wait.
# The window starts at the first question and expires with the key: discord.py's Cooldown
# (what the local limiter uses) has the same shape, so one rule holds with or without Redis.
_LIMIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n <= tonumber(ARGV[1]) then return -1 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return ttl
"""

# KEYS[1] processes, KEYS[2] inflight. ARGV: me, cap, ttl seconds. Returns the new total, or -1 when full.
# Only live processes count, so a crashed process's questions stop counting once its heartbeat is stale.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local live = redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[3]), '+inf')
local total = 0
for _, member in ipairs(live) do
  local v = redis.call('HGET', KEYS[2], member)
  if v then total = total + tonumber(v) end
end
if total >= tonumber(ARGV[2]) then return -1 end
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
return total + 1
"""

_RELEASE = """
local v = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if v < 0 then redis.call('HSET', KEYS[1], ARGV[1], 0) end
return v
"""

# KEYS[1] processes, KEYS[2] inflight. ARGV: me, ttl seconds, my in-flight count.
# Server time, so hosts with skewed clocks agree on who is alive. Writing the count (rather
# than only adding to it) heals any increment or decrement lost while Redis was away.
_HEARTBEAT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local cutoff = now - tonumber(ARGV[2])
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. cutoff)
for _, member in ipairs(stale) do redis.call('HDEL', KEYS[2], member) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. cutoff)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return #stale
"""

_LIVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
return redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[1]), '+inf')
"""


class _UnavailableError(Exception):
    """Redis is not reachable right now; the caller falls back to local behaviour."""


def redis_location(url: str) -> str:
    """``host:port/db`` of a Redis URL, for logs: never the password."""
    try:
        parts = urlsplit(url)
        if parts.scheme == "unix":
            return f"unix:{parts.path}"
        host = parts.hostname or "localhost"
        port = parts.port or 6379
    except ValueError:
        return "redis"
    db = parts.path.strip("/") or "0"
    return f"{host}:{port}/{db}"


@dataclass(frozen=True, slots=True)
class ProcessId:
    """Which process: host name, pid and the shards it runs (None: one unsharded process)."""

    host: str
    pid: int
    shards: tuple[int, ...] | None = None

    @classmethod
    def current(cls, shards: Sequence[int] | None = None) -> ProcessId:
        """The identity of the running process."""
        return cls(socket.gethostname(), os.getpid(), tuple(shards) if shards is not None else None)

    @property
    def key(self) -> str:
        """The member string in Redis (stable, compact JSON)."""
        return json.dumps(
            {"host": self.host, "pid": self.pid, "shards": list(self.shards) if self.shards is not None else None},
            separators=(",", ":"),
            sort_keys=True,
        )

    @classmethod
    def from_key(cls, key: str | bytes) -> ProcessId:
        """Back from ``key``; raises ValueError on anything else."""
        try:
            data = json.loads(key)
            shards = data["shards"]
            return cls(
                str(data["host"]), int(data["pid"]), tuple(int(s) for s in shards) if shards is not None else None
            )
        except (TypeError, KeyError, ValueError) as error:
            raise ValueError(f"not a process identity: {key[:80]!r}") from error

    @property
    def label(self) -> str:
        """How a moderator sees the process: ``host pid 123, shards 0, 1``."""
        if not self.shards:
            return f"{self.host} pid {self.pid}"
        plural = "s" if len(self.shards) > 1 else ""
        return f"{self.host} pid {self.pid}, shard{plural} {', '.join(map(str, self.shards))}"


@dataclass(frozen=True, slots=True)
class ProcessOutcome:
    """One process's reload, as it reported it."""

    process: ProcessId
    ok: bool
    busy: bool
    line: str
    documents: int = 0
    passages: int = 0
    problems: tuple[str, ...] = ()

    @classmethod
    def of(cls, process: ProcessId, report: ReloadReport) -> ProcessOutcome:
        """From a local reload report."""
        return cls(
            process,
            ok=report.ok,
            busy=report.busy,
            line=report.summary_line(),
            documents=report.documents,
            passages=report.passages,
            problems=tuple(str(p) for p in report.errors[:MAX_PROBLEMS]),
        )

    @classmethod
    def crashed(cls, process: ProcessId, error: BaseException) -> ProcessOutcome:
        """A reload callback that raised: the moderator hears which process and why."""
        first = (str(error).strip().splitlines() or [""])[0][:200]
        return cls(process, ok=False, busy=False, line=f"reload crashed: {type(error).__name__}: {first}")

    def to_json(self) -> dict[str, Any]:
        """The reply a process pushes for the sender."""
        return {
            "v": PROTOCOL,
            "process": self.process.key,
            "ok": self.ok,
            "busy": self.busy,
            "line": self.line,
            "documents": self.documents,
            "passages": self.passages,
            "problems": list(self.problems),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProcessOutcome:
        """Parse a reply; raises ValueError on anything malformed."""
        try:
            if data.get("v") != PROTOCOL:
                raise ValueError(f"protocol {data.get('v')!r}")
            return cls(
                ProcessId.from_key(data["process"]),
                ok=bool(data["ok"]),
                busy=bool(data["busy"]),
                line=str(data["line"])[:500],
                documents=int(data["documents"]),
                passages=int(data["passages"]),
                problems=tuple(str(p)[:300] for p in data["problems"][:MAX_PROBLEMS]),
            )
        except (AttributeError, TypeError, KeyError) as error:
            raise ValueError(f"malformed reload reply: {error}") from error


@dataclass(frozen=True, slots=True)
class FanoutReport:
    """Every process's reload: this one's full report, one outcome per process, the silent ones."""

    local: ReloadReport
    outcomes: tuple[ProcessOutcome, ...]
    silent: tuple[ProcessId, ...] = ()
    unnamed_silent: int = 0  # heard the request (Redis counted them) but are not in the registry
    shared: bool = True
    degraded: bool = False  # Redis is configured but was unreachable: only this process reloaded
    waited_s: float = 0.0
    elapsed_ms: float = field(default=0.0, compare=False)

    @property
    def ok(self) -> bool:
        """Every process that answered reloaded, and none stayed silent."""
        return not self.silent and not self.unnamed_silent and all(o.ok for o in self.outcomes)

    def lines(self) -> list[str]:
        """One line per process (this one first), then the silent ones, then why it stayed local."""
        lines = [f"{o.process.label}: {o.line}" for o in self.outcomes]
        lines += [f"{p.label}: no answer within {self.waited_s:.0f} s" for p in self.silent]
        if self.unnamed_silent:
            lines.append(f"{self.unnamed_silent} more process(es) heard the request but did not answer")
        if self.degraded:
            lines.append("Redis unavailable: only this process reloaded")
        return lines

    def summary_line(self) -> str:
        """One line for logs."""
        ok = sum(o.ok for o in self.outcomes)
        text = f"reload on {len(self.outcomes)} process(es): {ok} ok, {len(self.outcomes) - ok} not ok"
        if self.silent:
            text += f", {len(self.silent)} silent ({'; '.join(p.label for p in self.silent)})"
        if self.degraded:
            text += " (Redis unavailable: this process only)"
        return f"{text} in {self.elapsed_ms:.0f} ms"


class LocalLimit(Protocol):
    """The per-process limiter a shared one falls back to (``bot.adapter.checks.QuestionLimiter``)."""

    def hit(self, user_id: int) -> float | None: ...  # noqa: D102

    def first_notice(self, user_id: int, retry_after: float) -> bool: ...  # noqa: D102


class Coordinator:
    """The link from this process to the others; with ``url=None`` it is a single process, as without Redis.

    ``reload`` is what a reload request runs here (``KnowledgeBase.reload``). Call ``start``
    once the event loop runs and ``close`` on shutdown.
    """

    def __init__(
        self,
        url: str | None,
        *,
        reload: Callable[[], Awaitable[ReloadReport]],
        identity: ProcessId | None = None,
        namespace: str = "kqbot",
        reply_timeout: float = 20.0,
        fast_timeout: float = 0.075,
        heartbeat_seconds: float = 5.0,
        backoff: tuple[float, float] = (0.5, 30.0),
    ) -> None:
        self.url = url
        self.identity = identity or ProcessId.current()
        self.namespace = namespace
        self.reply_timeout = reply_timeout
        self.fast_timeout = fast_timeout
        self.heartbeat_seconds = heartbeat_seconds
        self.alive_seconds = heartbeat_seconds * 3  # two missed heartbeats are tolerated
        self.backoff = backoff
        self._reload = reload
        self._client: Any = None
        self._scripts: dict[str, Any] = {}
        self._available = False
        self._ever_connected = False
        self._down_logged = False
        self._trouble = asyncio.Event()
        self._closing = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._counters: list[SharedCounter] = []

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """Configured with a Redis URL (whether or not it is reachable now)."""
        return self.url is not None

    @property
    def available(self) -> bool:
        """Connected right now: limits, counts and reloads are shared."""
        return self._available

    @property
    def where(self) -> str:
        """Where Redis is, for logs (no password)."""
        return redis_location(self.url) if self.url else "nowhere"

    async def start(self, wait: float = 1.0) -> None:
        """Connect in the background; wait up to ``wait`` s for the first connection, never longer.

        A bot whose Redis is down still starts (and says so once): it runs on its own until
        Redis is back.
        """
        if self.url is None or self._supervisor is not None:
            return
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        # No retries inside the client: a failed call falls back at once; the supervisor reconnects.
        self._client = Redis.from_url(
            self.url, socket_connect_timeout=max(1.0, self.fast_timeout), retry=Retry(NoBackoff(), 0)
        )
        for name, source in (
            ("limit", _LIMIT),
            ("acquire", _ACQUIRE),
            ("release", _RELEASE),
            ("heartbeat", _HEARTBEAT),
            ("live", _LIVE),
        ):
            self._scripts[name] = self._client.register_script(source)
        self._supervisor = asyncio.create_task(self._supervise(), name="redis-coordinator")
        deadline = time.monotonic() + wait
        while not self._available and time.monotonic() < deadline and not self._supervisor.done():
            await asyncio.sleep(0.02)

    async def close(self) -> None:
        """Leave the registry (so others stop waiting for us) and disconnect."""
        self._closing.set()
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._supervisor
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            if self._available:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(1.0):
                        await self._client.zrem(self._key("processes"), self.identity.key)
                        await self._client.hdel(self._key("inflight"), self.identity.key)
            with contextlib.suppress(Exception):
                await self._client.aclose()
        self._available = False

    def _key(self, *parts: str) -> str:
        return ":".join((self.namespace, *parts))

    def _set_up(self) -> None:
        if self._available:
            return
        self._available = True
        if self._down_logged:
            log.warning("Redis at %s is back: limits, the busy count and reloads are shared again", self.where)
        elif not self._ever_connected:
            log.info("connected to Redis at %s as %s", self.where, self.identity.label)
        self._ever_connected = True
        self._down_logged = False

    def _set_down(self, reason: str) -> None:
        was = self._available
        self._available = False
        if not self._down_logged and (was or not self._ever_connected):
            log.warning(
                "Redis at %s unreachable (%s): limits, the busy count and reloads are local to this process "
                "until it is back",
                self.where,
                reason,
            )
            self._down_logged = True

    def _trouble_seen(self, reason: str) -> None:
        """A call on the answering path failed: go local now and let the supervisor reconnect."""
        self._set_down(reason)
        self._trouble.set()

    # -- the background connection --------------------------------------------------------

    async def _supervise(self) -> None:
        low, high = self.backoff
        delay = low
        while not self._closing.is_set():
            started = time.monotonic()
            try:
                await self._session()
                reason = "connection closed"
            except asyncio.CancelledError:
                raise
            except Exception as error:  # every failure of the link means: local until reconnected
                reason = _describe(error)
            self._set_down(reason)
            await self._drop_connections()
            if time.monotonic() - started > high:
                delay = low  # it had been up a good while: this is a new outage
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay * random.uniform(0.8, 1.2)):  # noqa: S311 - jitter, not crypto
                    await self._closing.wait()
            delay = min(delay * 2, high)

    async def _drop_connections(self) -> None:
        with contextlib.suppress(Exception):
            await self._client.connection_pool.disconnect()

    async def _session(self) -> None:
        """One connected period: subscribe, heartbeat, serve reload requests; returns or raises on trouble."""
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        try:
            async with asyncio.timeout(max(2.0, self.fast_timeout * 4)):
                await pubsub.subscribe(self._key("reload"))
                await self._heartbeat()
            self._trouble.clear()
            self._set_up()
            next_beat = time.monotonic() + self.heartbeat_seconds
            while not self._closing.is_set():
                if self._trouble.is_set():
                    self._trouble.clear()
                    # A failed or slow call on the answering path: is Redis still there?
                    async with asyncio.timeout(2.0):
                        await self._client.ping()
                    self._set_up()
                wait = max(0.0, min(next_beat - time.monotonic(), 0.25))
                message = await pubsub.get_message(timeout=wait)
                if message is not None and message.get("type") == "message":
                    self._spawn(self._on_reload_request(message["data"]))
                if time.monotonic() >= next_beat:
                    async with asyncio.timeout(2.0):
                        await self._heartbeat()
                    next_beat = time.monotonic() + self.heartbeat_seconds
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def _heartbeat(self) -> None:
        local = sum(c.local for c in self._counters)
        await self._scripts["heartbeat"](
            keys=[self._key("processes"), self._key("inflight")],
            args=[self.identity.key, self.alive_seconds, local],
        )

    def _spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _fast(self, script: str, keys: list[str], args: list[Any]) -> Any:
        """One script call on the answering path: ``fast_timeout`` at most, else ``_UnavailableError``."""
        if not self._available:
            raise _UnavailableError
        try:
            async with asyncio.timeout(self.fast_timeout):
                result = await self._scripts[script](keys=keys, args=args)
        except TimeoutError:
            # Slow is not down: a busy event loop (or machine) makes calls late without Redis
            # being away. This call goes local; the session's ping decides whether Redis is gone.
            self._trouble.set()
            raise _UnavailableError from None
        except Exception as error:
            self._trouble_seen(_describe(error))
            raise _UnavailableError from error
        return result

    # -- reloads --------------------------------------------------------------------------

    async def processes(self) -> tuple[ProcessId, ...]:
        """The processes with a fresh heartbeat (this one included), or () when Redis is away."""
        if not self._available:
            return ()
        try:
            async with asyncio.timeout(2.0):
                members = await self._scripts["live"](keys=[self._key("processes")], args=[self.alive_seconds])
        except Exception as error:
            self._trouble_seen(_describe(error))
            return ()
        found = []
        for member in members:
            with contextlib.suppress(ValueError):
                found.append(ProcessId.from_key(member))
        return tuple(sorted(found, key=lambda p: p.key))

    async def broadcast_reload(self, reason: str, requested_by: str | int | None = None) -> FanoutReport:
        """Reload here and in every other process; wait up to ``reply_timeout`` s for their outcomes.

        This process reloads whatever happens to Redis; the others are asked only while Redis
        is reachable (``shared`` says whether they were).
        """
        started = time.perf_counter()
        request = uuid.uuid4().hex
        reply_key = self._key("reload", request)
        expected: set[str] = set()
        receivers = 0
        shared = False
        if self._available:
            live = await self.processes()
            expected = {p.key for p in live} - {self.identity.key}
            message = {
                "v": PROTOCOL,
                "id": request,
                "origin": self.identity.key,
                "reason": reason[:200],
                "requested_by": None if requested_by is None else str(requested_by)[:100],
                "reply_to": reply_key,
            }
            try:
                async with asyncio.timeout(2.0):
                    heard = await self._client.publish(self._key("reload"), json.dumps(message))
                shared = True
                receivers = max(0, int(heard) - 1)  # this process hears its own request too
            except Exception as error:
                self._trouble_seen(_describe(error))
        local_task = asyncio.ensure_future(self._run_reload())
        answers: dict[str, ProcessOutcome] = {}
        if shared:
            deadline = time.monotonic() + self.reply_timeout
            await self._collect(reply_key, answers, expected, receivers, deadline)
        local_outcome, local_report = await local_task
        if shared:
            await self._collect(reply_key, answers, expected, receivers, None)  # what came while we reloaded
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1.0):
                    await self._client.delete(reply_key)
        others = sorted(answers.values(), key=lambda o: o.process.key)
        silent = tuple(sorted((ProcessId.from_key(k) for k in expected - answers.keys()), key=lambda p: p.key))
        unnamed = max(0, receivers - len(answers) - len(silent))
        report = FanoutReport(
            local=local_report,
            outcomes=(local_outcome, *others),
            silent=silent,
            unnamed_silent=unnamed,
            shared=shared,
            degraded=self.enabled and not shared,
            waited_s=self.reply_timeout,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )
        log.info("%s; requested by %s (%s)", report.summary_line(), requested_by if requested_by else "?", reason[:200])
        return report

    async def _run_reload(self) -> tuple[ProcessOutcome, ReloadReport]:
        try:
            report = await self._reload()
        except Exception as error:  # the moderator hears about it; the bot keeps running
            log.exception("reload failed in %s", self.identity.label)
            report = ReloadReport(ok=False, error=f"{type(error).__name__}: {error}")
            return ProcessOutcome.crashed(self.identity, error), report
        return ProcessOutcome.of(self.identity, report), report

    async def _collect(
        self,
        reply_key: str,
        answers: dict[str, ProcessOutcome],
        expected: set[str],
        receivers: int,
        deadline: float | None,
    ) -> None:
        """Pop replies until every expected process (and every receiver) answered or the deadline passes.

        ``deadline=None`` only takes what is already there.
        """
        while True:
            if deadline is not None and expected <= answers.keys() and len(answers) >= receivers:
                return
            try:
                if deadline is None:
                    async with asyncio.timeout(1.0):
                        item = await self._client.lpop(reply_key)
                    if item is None:
                        return
                else:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return
                    block = max(0.01, min(remaining, 1.0))
                    async with asyncio.timeout(block + 2.0):
                        popped = await self._client.blpop([reply_key], timeout=block)
                    if popped is None:
                        continue
                    item = popped[1]
            except Exception as error:
                self._trouble_seen(_describe(error))
                return
            try:
                outcome = ProcessOutcome.from_json(json.loads(item))
            except ValueError as error:
                log.debug("ignoring a reload reply: %s", error)
                continue
            answers[outcome.process.key] = outcome

    async def _on_reload_request(self, data: bytes | str) -> None:
        """Another process asked for a reload: reload here, then answer on its reply list."""
        try:
            message = json.loads(data)
            if message.get("v") != PROTOCOL:
                raise ValueError(f"protocol {message.get('v')!r}")
            origin = ProcessId.from_key(message["origin"])
            reply_key = str(message["reply_to"])
            reason = str(message.get("reason") or "")[:200]
            requested_by = message.get("requested_by")
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            log.warning("ignoring a malformed reload request on Redis: %s", error)
            return
        if origin.key == self.identity.key:
            return  # our own request: broadcast_reload reloads here itself
        outcome, _ = await self._run_reload()
        who = requested_by if requested_by else "?"
        log.info("%s; requested from %s by %s (%s)", outcome.line, origin.label, who, reason)
        try:
            async with asyncio.timeout(2.0):
                async with self._client.pipeline(transaction=True) as pipe:
                    pipe.rpush(reply_key, json.dumps(outcome.to_json()))
                    pipe.expire(reply_key, REPLY_TTL_SECONDS)
                    await pipe.execute()
        except Exception as error:
            self._trouble_seen(_describe(error))

    # -- limits ---------------------------------------------------------------------------

    def limiter(self, name: str, rate: int, per: float, fallback: LocalLimit) -> SharedLimiter:
        """A per-user limit shared by every process (``name`` tells /ask from /summary limits)."""
        return SharedLimiter(self, name, rate, per, fallback)

    def counter(self, name: str, cap: int) -> SharedCounter:
        """Questions in flight across every live process, at most ``cap``."""
        counter = SharedCounter(self, name, cap)
        self._counters.append(counter)
        return counter


class SharedLimiter:
    """At most ``rate`` questions per ``per`` seconds per user, across every process.

    A window opens at a user's first question and closes ``per`` seconds later, as with
    discord.py's Cooldown in the local limiter; while Redis is away, the local limiter
    decides (so a user may get a fresh local allowance during an outage, never a refusal
    that Redis would not give).
    """

    def __init__(self, coordinator: Coordinator, name: str, rate: int, per: float, fallback: LocalLimit) -> None:
        self.coordinator = coordinator
        self.name = name
        self.rate = int(rate)
        self.per = float(per)
        self.fallback = fallback

    async def hit(self, user_id: int) -> float | None:
        """Count one question; seconds to wait when the user is over the limit, else None."""
        try:
            wait_ms = await self.coordinator._fast(
                "limit",
                [self.coordinator._key("limit", self.name, str(int(user_id)))],
                [self.rate, max(1, round(self.per * 1000))],
            )
        except _UnavailableError:
            return self.fallback.hit(user_id)
        wait_ms = int(wait_ms)
        return None if wait_ms < 0 else wait_ms / 1000

    def first_notice(self, user_id: int, retry_after: float) -> bool:
        """Whether to tell the user to slow down: once per window, per process."""
        return self.fallback.first_notice(user_id, retry_after)


class SharedCounter:
    """Questions being answered across every live process: the shared 'busy' queue limit.

    Each process keeps its own count too: it decides while Redis is away, and every
    heartbeat writes it to Redis, so an increment or decrement lost in an outage heals.
    """

    def __init__(self, coordinator: Coordinator, name: str, cap: int) -> None:
        self.coordinator = coordinator
        self.name = name
        self.cap = int(cap)
        self.local = 0

    async def acquire(self) -> bool:
        """Take a slot; False when ``cap`` questions are already being answered."""
        c = self.coordinator
        try:
            total = await c._fast(
                "acquire", [c._key("processes"), c._key("inflight")], [c.identity.key, self.cap, c.alive_seconds]
            )
        except _UnavailableError:
            if self.local >= self.cap:
                return False
        else:
            if int(total) < 0:
                return False
        self.local += 1
        return True

    def release(self) -> None:
        """Give the slot back; the Redis side is updated in the background (answers never wait)."""
        self.local = max(0, self.local - 1)
        c = self.coordinator
        if c.available:
            c._spawn(self._release())

    async def _release(self) -> None:
        c = self.coordinator
        with contextlib.suppress(_UnavailableError):
            await c._fast("release", [c._key("inflight")], [c.identity.key])


def _describe(error: BaseException) -> str:
    """One short line naming the failure (no URL, so no password)."""
    first = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first[:120]}" if first else type(error).__name__
