"""Several processes as one bot, against a real redis-server: reload fan-out, shared limits, degrading."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from bot.adapter.checks import QuestionLimiter
from bot.serving.coordination import Coordinator, ProcessId
from bot.serving.library import KnowledgeBase, ReloadReport
from tests.conftest import ROOT, front_matter
from tests.redis_server import RedisServer, redis_binary

pytestmark = pytest.mark.asyncio

LOGGER = "bot.serving.coordination"
Make = Callable[..., Awaitable[Coordinator]]


def process(shard: int) -> ProcessId:
    """Coordinators in one test process tell themselves apart by their shards, as real ones do by pid."""
    return ProcessId("testhost", 4242, (shard,))


async def ok_report() -> ReloadReport:
    return ReloadReport(ok=True, documents=1, passages=10)


@pytest_asyncio.fixture
async def make(redis_server: RedisServer, namespace: str) -> AsyncIterator[Make]:
    made: list[Coordinator] = []

    async def build(shard: int, reload: Callable[[], Awaitable[ReloadReport]] = ok_report, **options) -> Coordinator:
        options.setdefault("url", redis_server.url)
        options.setdefault("heartbeat_seconds", 0.5)
        options.setdefault("backoff", (0.05, 0.2))
        url = options.pop("url")
        coordinator = Coordinator(url, reload=reload, identity=process(shard), namespace=namespace, **options)
        made.append(coordinator)
        await coordinator.start(wait=5.0)
        return coordinator

    yield build
    for coordinator in made:
        await coordinator.close()


async def eventually(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    """Wait for a background effect (a reconnect, a release); fails the test if it never comes."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition never became true")


def lines_of(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == level]


# -- reload fan-out ---------------------------------------------------------------------------


async def test_a_reload_reaches_every_process_and_the_reply_lists_each(tmp_path: Path, make: Make):
    knowledge = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge, ignore=shutil.ignore_patterns(".cache"))
    bases = [KnowledgeBase(knowledge, use_cache=False, semantic=False) for _ in range(2)]
    for kb in bases:
        assert kb.load(embed="no").ok
    first = await make(0, bases[0].reload)
    second = await make(1, bases[1].reload)
    (knowledge / "added.md").write_text(front_matter("Added later") + "\nA paragraph about whales.\n", "utf-8")

    report = await first.broadcast_reload("/reload", requested_by=1234)

    assert [o.process for o in report.outcomes] == [first.identity, second.identity]
    assert all(o.ok for o in report.outcomes) and report.ok and report.shared and not report.degraded
    assert [o.documents for o in report.outcomes] == [2, 2]
    assert report.local.added == ("added",)
    assert report.silent == ()
    # The other process really reloaded: its own snapshot now has the new document.
    assert bases[1].snapshot.document("added") is not None
    lines = report.lines()
    assert lines[0].startswith("testhost pid 4242, shard 0: reload ok")
    assert lines[1].startswith("testhost pid 4242, shard 1: reload ok")
    for kb in bases:
        await kb.settle()


async def test_a_process_that_does_not_answer_in_time_is_named(make: Make):
    release = asyncio.Event()
    calls: list[int] = []

    async def stuck() -> ReloadReport:
        calls.append(1)
        await release.wait()
        return await ok_report()

    async def crashes() -> ReloadReport:
        raise OSError("disk gone")

    sender = await make(0, reply_timeout=1.0)
    await make(1)
    silent = await make(2, stuck)
    broken = await make(3, crashes)

    report = await sender.broadcast_reload("/kb add whales.md", requested_by="mod")

    assert calls == [1]  # the stuck process did receive the request
    assert report.silent == (silent.identity,)
    assert not report.ok
    answered = {o.process: o for o in report.outcomes}
    assert set(answered) == {process(0), process(1), broken.identity}
    assert not answered[broken.identity].ok
    assert answered[broken.identity].line == "reload crashed: OSError: disk gone"
    assert "testhost pid 4242, shard 2: no answer within 1 s" in report.lines()
    release.set()


async def test_a_malformed_request_on_the_channel_is_ignored_and_the_next_one_served(
    redis_server: RedisServer, namespace: str, make: Make, caplog: pytest.LogCaptureFixture
):
    import redis.asyncio as aioredis

    reloads: list[int] = []

    async def counting() -> ReloadReport:
        reloads.append(1)
        return await ok_report()

    sender = await make(0)
    await make(1, counting)
    client = aioredis.Redis.from_url(redis_server.url)
    try:
        for junk in (b"not json", json.dumps({"v": 1, "origin": "x"}), json.dumps({"v": 99})):
            await client.publish(f"{namespace}:reload", junk)
    finally:
        await client.aclose()
    report = await sender.broadcast_reload("/reload")
    assert reloads == [1]
    assert len(report.outcomes) == 2 and report.ok


async def test_without_a_url_a_reload_is_local_and_nothing_is_logged_about_redis(caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO, logger=LOGGER)
    coordinator = Coordinator(None, reload=ok_report, identity=process(0))
    await coordinator.start()
    report = await coordinator.broadcast_reload("/reload")
    assert [o.process for o in report.outcomes] == [process(0)]
    assert not report.shared and not report.degraded
    assert report.lines() == ["testhost pid 4242, shard 0: " + (await ok_report()).summary_line()]
    assert not [r for r in caplog.records if r.name == LOGGER and "Redis" in r.getMessage()]
    await coordinator.close()


# -- shared limits ----------------------------------------------------------------------------


async def test_a_user_flooding_two_processes_is_limited_once(make: Make):
    first, second = await make(0), await make(1)
    locals_ = [QuestionLimiter(3, 60), QuestionLimiter(3, 60)]
    limiters = [first.limiter("ask", 3, 60, locals_[0]), second.limiter("ask", 3, 60, locals_[1])]

    verdicts = [await limiters[i % 2].hit(7) for i in range(8)]

    assert verdicts[:3] == [None, None, None]
    assert all(v is not None and 0 < v <= 60 for v in verdicts[3:])
    assert await limiters[1].hit(8) is None  # another user is not affected
    assert await second.limiter("summary", 3, 60, QuestionLimiter(3, 60)).hit(7) is None  # nor another limit
    assert len(locals_[0]) == len(locals_[1]) == 0  # Redis decided every time


async def test_the_shared_window_follows_the_local_limiter_rule(make: Make):
    """Same sequence, same verdicts: the window opens at the first question and lasts ``per`` seconds."""
    coordinator = await make(0)
    shared = coordinator.limiter("ask", 2, 0.5, QuestionLimiter(2, 0.5))
    local = QuestionLimiter(2, 0.5)
    pattern_shared, pattern_local = [], []
    for _ in range(3):
        pattern_shared.append(await shared.hit(1) is None)
        pattern_local.append(local.hit(1) is None)
    retry = await shared.hit(1)
    assert retry is not None
    await asyncio.sleep(retry + 0.05)  # wait out the window the limiter named
    pattern_shared.append(await shared.hit(1) is None)
    pattern_local.append(local.hit(1) is None)
    assert pattern_shared == pattern_local == [True, True, False, True]


async def test_the_busy_count_is_shared_capped_and_forgets_dead_processes(
    redis_server: RedisServer, namespace: str, make: Make
):
    import redis.asyncio as aioredis

    first, second = await make(0), await make(1)
    a, b = first.counter("questions", 3), second.counter("questions", 3)
    assert [await a.acquire(), await a.acquire(), await b.acquire()] == [True, True, True]
    assert not await a.acquire() and not await b.acquire()
    b.release()
    await eventually(lambda: b.local == 0)
    got: list[bool] = []
    for _ in range(200):  # the release reaches Redis in the background
        got.append(await a.acquire())
        if got[-1]:
            break
        await asyncio.sleep(0.02)
    assert got[-1] and a.local == 3

    # A process that died holding slots: its heartbeat is old, so its count no longer counts.
    client = aioredis.Redis.from_url(redis_server.url)
    try:
        dead = ProcessId("gone", 1, (9,)).key
        await client.zadd(f"{namespace}:processes", {dead: 1.0})
        await client.hset(f"{namespace}:inflight", dead, 50)
        a.release()
        await eventually(lambda: a.local == 2)
        for _ in range(200):
            if await b.acquire():
                break
            await asyncio.sleep(0.02)
        assert b.local == 1
    finally:
        await client.aclose()


# -- degrading ----------------------------------------------------------------------------------


async def test_losing_redis_goes_local_with_one_line_and_comes_back(
    own_redis: RedisServer, namespace: str, caplog: pytest.LogCaptureFixture
):
    import redis.asyncio as aioredis

    caplog.set_level(logging.INFO, logger=LOGGER)
    coordinator = Coordinator(
        own_redis.url,
        reload=ok_report,
        identity=process(0),
        namespace=namespace,
        heartbeat_seconds=0.2,
        backoff=(0.05, 0.2),
    )
    await coordinator.start(wait=5.0)
    try:
        assert coordinator.available
        local = QuestionLimiter(2, 60)
        limiter = coordinator.limiter("ask", 2, 60, local)
        counter = coordinator.counter("questions", 5)
        assert [await limiter.hit(1), await limiter.hit(1)] == [None, None]
        assert len(local) == 0

        own_redis.kill()
        # Shared state is gone with the server: the local limiter decides, from a fresh window.
        verdicts = [await asyncio.wait_for(limiter.hit(1), 5) for _ in range(4)]
        assert verdicts[:2] == [None, None] and verdicts[2] is not None
        assert len(local) == 1
        assert await counter.acquire()
        report = await coordinator.broadcast_reload("/reload")
        assert report.degraded and [o.process for o in report.outcomes] == [process(0)]
        assert report.lines()[-1] == "Redis unavailable: only this process reloaded"
        await asyncio.sleep(1.0)  # several reconnect attempts fail meanwhile
        assert not coordinator.available
        down = lines_of(caplog, logging.WARNING)
        assert len(down) == 1 and "unreachable" in down[0] and "local to this process" in down[0]

        own_redis.start()
        await eventually(lambda: coordinator.available)
        assert await limiter.hit(3) is None
        client = aioredis.Redis.from_url(own_redis.url)
        try:
            assert await client.exists(f"{namespace}:limit:ask:3") == 1  # counted in Redis again
        finally:
            await client.aclose()
        warnings = lines_of(caplog, logging.WARNING)
        assert len(warnings) == 2 and "is back" in warnings[1]
        assert own_redis.url.split("//")[1].split("/")[0] in warnings[0]  # says where, from the URL
    finally:
        await coordinator.close()


async def test_a_hung_redis_never_holds_up_a_question(own_redis: RedisServer, namespace: str):
    coordinator = Coordinator(
        own_redis.url,
        reload=ok_report,
        identity=process(0),
        namespace=namespace,
        heartbeat_seconds=0.2,
        backoff=(0.05, 0.2),
    )
    await coordinator.start(wait=5.0)
    try:
        local = QuestionLimiter(1, 60)
        limiter = coordinator.limiter("ask", 1, 60, local)
        assert await limiter.hit(1) is None
        own_redis.pause()
        # Each call gives up after the fast timeout and the local limiter answers (a fresh window).
        verdicts = [await asyncio.wait_for(limiter.hit(1), 5) for _ in range(4)]
        assert verdicts[0] is None and all(v is not None for v in verdicts[1:])
        assert len(local) == 1
        await eventually(lambda: not coordinator.available)
        own_redis.resume()
        await eventually(lambda: coordinator.available)
        assert await limiter.hit(1) is not None  # Redis remembers the window it had counted
    finally:
        own_redis.resume()
        await coordinator.close()


async def test_redis_absent_at_start_up_the_bot_starts_local_then_joins(
    namespace: str, caplog: pytest.LogCaptureFixture
):
    pytest.importorskip("redis")
    binary = redis_binary()
    if binary is None:
        pytest.skip("redis-server not found (apt-get install redis-server)")
    caplog.set_level(logging.INFO, logger=LOGGER)
    server = RedisServer(binary)
    coordinator = Coordinator(
        server.url, reload=ok_report, identity=process(0), namespace=namespace, backoff=(0.05, 0.2)
    )
    try:
        await coordinator.start(wait=0.3)
        assert not coordinator.available
        assert await coordinator.limiter("ask", 1, 60, QuestionLimiter(1, 60)).hit(1) is None
        await asyncio.sleep(0.5)
        assert len(lines_of(caplog, logging.WARNING)) == 1
        server.start()
        await eventually(lambda: coordinator.available)
        assert (await coordinator.processes()) == (process(0),)
    finally:
        await coordinator.close()
        server.close()
