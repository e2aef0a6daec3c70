"""The bot object and its lifecycle: intents, command sync, clean shutdown on signals."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import random
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl
from discord.ext import commands

from bot.adapter.commands import KnowledgeCog
from bot.adapter.feedback import FeedbackButton, FeedbackCog, open_store
from bot.adapter.kb_commands import setup_knowledge_commands
from bot.adapter.tree import KnowledgeTree
from bot.config import Settings
from bot.log import one_line
from bot.serving.coordination import Coordinator, ProcessId
from bot.serving.library import KnowledgeBase, ReloadReport
from bot.serving.snapshot import default_cache_dir
from bot.serving.status import HEARTBEAT_SECONDS, Status, status_path, write_status

__all__ = ["Backoff", "Reporter", "coordinator_for", "create_bot", "intents_for", "is_transient", "serve"]

log = logging.getLogger(__name__)


def intents_for(settings: Settings) -> discord.Intents:
    """Only what the bot needs: guild and DM messages for mentions and replies.

    The privileged message-content intent is requested only when answer channels are
    configured; messages that mention the bot carry their content without it.
    """
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = settings.wants_message_content
    return intents


def _no_prefix(bot: commands.Bot, message: discord.Message) -> list[str]:
    """The bot has slash commands only; no text ever parses as a prefix command."""
    return []


class _KnowledgeBotMixin:
    """Behaviour shared by the single-shard and the sharded bot."""

    kb: KnowledgeBase
    settings: Settings
    coordinator: Coordinator

    async def setup_hook(self) -> None:
        bot: commands.Bot = self  # type: ignore[assignment]
        await self.coordinator.start()
        knowledge = KnowledgeCog(bot, self.kb, self.settings, self.coordinator)
        await bot.add_cog(knowledge)
        await setup_knowledge_commands(bot, knowledge, self.settings)
        self.feedback_store = open_store(self.settings)
        if self.feedback_store is not None:
            bot.add_dynamic_items(FeedbackButton)  # clicks on answers sent before a restart
            await bot.add_cog(FeedbackCog(bot, self.kb, self.settings, self.feedback_store))
        await _sync_commands(bot, self.settings)

    feedback_store = None  # FeedbackStore | None, set in setup_hook

    async def close(self) -> None:
        await super().close()  # type: ignore[misc]
        await self.coordinator.close()
        if self.feedback_store is not None:
            self.feedback_store.close()

    was_ready = False  # set once connected: a later failure starts the backoff afresh
    reporter: Reporter | None = None  # the health status file, when run by serve()

    async def on_ready(self) -> None:
        bot: commands.Bot = self  # type: ignore[assignment]
        self.was_ready = True
        log.info("connected as %s (id %s) to %d guild(s)", bot.user, bot.user.id if bot.user else "?", len(bot.guilds))
        self._report("connected")

    async def on_resumed(self) -> None:
        self._report("connected")

    async def on_disconnect(self) -> None:
        self._report("disconnected", "the connection to Discord dropped; reconnecting")

    async def on_knowledge_reloaded(self, report: ReloadReport) -> None:
        if self.reporter is not None:
            self.reporter.write()  # the document count changed (or not, on failure: still serving)

    def _report(self, state: str, detail: str = "") -> None:
        if self.reporter is not None:
            self.reporter.set(state, detail)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        log.exception("unhandled error in event %s", event_method)


class KnowledgeBot(_KnowledgeBotMixin, commands.Bot):
    """One process, one shard."""


class ShardedKnowledgeBot(_KnowledgeBotMixin, commands.AutoShardedBot):
    """One process running some of the shards (``SHARD_IDS`` of ``SHARD_COUNT``)."""


def create_bot(kb: KnowledgeBase, settings: Settings, **client_options: Any) -> commands.Bot:
    """The bot for these settings, with mentions disabled on everything it sends.

    ``client_options`` go to discord.py unchanged (tests shorten ``guild_ready_timeout``).
    """
    options: dict[str, Any] = {
        "command_prefix": _no_prefix,
        "intents": intents_for(settings),
        "allowed_mentions": discord.AllowedMentions.none(),
        "tree_cls": KnowledgeTree,
        "help_command": None,
    }
    options.update(client_options)
    cls: type[commands.Bot] = KnowledgeBot
    if settings.shard_count is not None:
        cls = ShardedKnowledgeBot
        options["shard_count"] = settings.shard_count
        if settings.shard_ids is not None:
            options["shard_ids"] = list(settings.shard_ids)
    bot = cls(**options)
    bot.kb = kb  # type: ignore[attr-defined]
    bot.settings = settings  # type: ignore[attr-defined]

    async def reload_here() -> ReloadReport:
        report = await kb.reload()
        bot.dispatch("knowledge_reloaded", report)  # the health status shows the new count, whoever asked
        return report

    bot.coordinator = coordinator_for(settings, reload_here)  # type: ignore[attr-defined]
    return bot


def coordinator_for(settings: Settings, reload: Callable[[], Awaitable[ReloadReport]]) -> Coordinator:
    """The link to the bot's other processes through ``REDIS_URL``; without it, a process on its own.

    ``reload`` is what a reload runs in this process, whichever process asked for it.
    """
    shards = settings.shard_ids
    if shards is None and settings.shard_count is not None:
        shards = tuple(range(settings.shard_count))  # every shard runs here
    return Coordinator(
        settings.redis_url.reveal() if settings.redis_url is not None else None,
        reload=reload,
        identity=ProcessId.current(shards),
        reply_timeout=settings.reload_wait_seconds,
    )


async def _sync_commands(bot: commands.Bot, settings: Settings) -> None:
    """Register the slash commands with Discord, only when they changed.

    Discord rate-limits command registration, so the payload's hash is kept in the cache
    folder and an unchanged set is not re-sent on restart. With several shard processes,
    only the one running shard 0 syncs.
    """
    if settings.shard_ids is not None and 0 not in settings.shard_ids:
        return
    guild = discord.Object(id=settings.dev_guild_id) if settings.dev_guild_id else None
    if guild is not None:
        bot.tree.copy_global_to(guild=guild)
    # The home servers have their own commands (/reload, /kb), synced server by server.
    homes = [discord.Object(id=g) for g in sorted(settings.knowledge_guild_ids) if g != settings.dev_guild_id]
    targets = [guild, *homes]
    payload = [[command.to_dict(bot.tree) for command in bot.tree.get_commands(guild=t)] for t in targets]
    key = [payload, settings.dev_guild_id, sorted(settings.knowledge_guild_ids)]
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()
    marker = (settings.cache_dir or settings.knowledge_dir / ".cache") / "commands.sha256"
    try:
        if marker.read_text("utf-8").strip() == digest:
            log.info("slash commands unchanged; not syncing")
            return
    except OSError:
        pass
    for target in targets:
        synced = await bot.tree.sync(guild=target)
        log.info("synced %d slash command(s) %s", len(synced), f"to guild {target.id}" if target else "globally")
    _write_marker(marker, digest)


def _write_marker(marker: Path, digest: str) -> None:
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(digest, "utf-8")
    except OSError as exc:
        log.warning("could not remember the command sync in %s: %s", marker, exc.strerror)


class Reporter:
    """Keeps the health status file current for ``python -m bot health`` (Docker's HEALTHCHECK)."""

    def __init__(self, path: Path, kb: KnowledgeBase) -> None:
        self.path = path
        self.kb = kb
        self.bot: commands.Bot | None = None
        self.state = "starting"
        self.detail = ""
        self._warned = False

    def set(self, state: str, detail: str = "") -> None:
        """Record a change of state and write it at once."""
        self.state, self.detail = state, detail
        self.write()

    def write(self) -> None:
        """Write the current state with a fresh heartbeat; a failure is logged once, not raised."""
        serving = self.kb.loaded
        status = Status(
            state=self.state,
            serving=serving,
            heartbeat=time.time(),
            pid=os.getpid(),
            documents=len(self.kb.snapshot.documents) if serving else 0,
            guilds=len(self.bot.guilds) if self.bot is not None and self.state == "connected" else 0,
            detail=self.detail,
        )
        try:
            write_status(self.path, status)
        except OSError as exc:
            if not self._warned:
                self._warned = True
                log.warning("cannot write the health status to %s: %s", self.path, exc.strerror or exc)

    async def beat(self) -> None:
        """Rewrite the file every HEARTBEAT_SECONDS, so a stuck or dead process shows as stale."""
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            self.write()


@dataclass(frozen=True, slots=True)
class Backoff:
    """How long to wait before trying to reach Discord again: doubling, capped, jittered.

    There is no last attempt: a bot is a service, and the network or Discord coming back
    must bring it back without someone restarting it. The jitter (each wait is between half
    and all of the nominal one) keeps many processes that lost Discord together, such as
    the shards of one bot, from all trying again at the same instant.
    """

    first: float = 1.0
    cap: float = 60.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """The wait before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
        return min(self.cap, self.first * 2 ** min(attempt - 1, 30)) * rng.uniform(0.5, 1.0)


def is_transient(exc: BaseException) -> bool:
    """Whether trying again later can help: the network, a timeout, or Discord's own trouble.

    A refused token, a missing privileged intent, or a close code Discord uses for a bad
    request (4xxx) will fail the same way every time, so they stop the bot instead.
    """
    if isinstance(exc, discord.LoginFailure | discord.PrivilegedIntentsRequired):
        return False
    if isinstance(exc, discord.ConnectionClosed):
        return exc.code < 4000
    if isinstance(exc, discord.HTTPException):
        return exc.status >= 500 or exc.status == 429
    return isinstance(exc, OSError | TimeoutError | aiohttp.ClientError | discord.GatewayNotFound)


async def serve(kb: KnowledgeBase, settings: Settings, *, backoff: Backoff = Backoff()) -> int:
    """Run until SIGINT, SIGTERM or a fatal error; returns the process exit code.

    A signal at any stage (logging in, connecting, waiting to try again, serving) closes
    what is open and returns 0; in-flight answers finish or are dropped with the
    connection. When Discord cannot be reached, one line says so and the bot tries again
    after ``backoff``; a rejected token or a missing intent is one line and returns 1.
    """
    if settings.api_base:  # an API proxy shared by several shard processes, or a test double
        discord.http.Route.BASE = settings.api_base
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()

    def stop(name: str) -> None:
        if not stopping.is_set():
            log.info("received %s; shutting down", name)
            stopping.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
            loop.add_signal_handler(sig, stop, sig.name)
    cache_dir = settings.cache_dir or default_cache_dir(settings.knowledge_dir)
    reporter = Reporter(status_path(cache_dir, settings.shard_ids), kb)
    reporter.set("starting")
    heartbeat = asyncio.create_task(reporter.beat())
    try:
        code = await _serve_until_stopped(kb, settings, stopping, backoff, reporter)
    finally:
        heartbeat.cancel()
        reporter.set("stopped")
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    if code == 0:
        log.info("stopped")
    return code


async def _serve_until_stopped(
    kb: KnowledgeBase, settings: Settings, stopping: asyncio.Event, backoff: Backoff, reporter: Reporter
) -> int:
    rng = random.Random()  # noqa: S311  (jitter, not a secret)
    attempt = 0
    while True:
        bot = create_bot(kb, settings)
        bot.reporter = reporter  # type: ignore[attr-defined]
        reporter.bot = bot
        log.info("connecting to Discord")
        reporter.set("connecting")
        failure = await _run_once(bot, settings, stopping)
        if stopping.is_set() or failure is None:
            return 0
        if isinstance(failure, discord.LoginFailure):
            log.error("Discord refused the token (login failed); check DISCORD_TOKEN")
            return 1
        if isinstance(failure, discord.PrivilegedIntentsRequired):
            log.error("the Message Content intent is not enabled for this bot; see the README (answer channels)")
            return 1
        if not is_transient(failure):
            log.error("stopped: %s", one_line(failure), exc_info=log.isEnabledFor(logging.DEBUG) and failure)
            return 1
        attempt = 1 if bot.was_ready else attempt + 1  # type: ignore[attr-defined]
        delay = backoff.delay(attempt, rng)
        log.warning("could not reach Discord (%s); trying again in %.1f s", one_line(failure), delay)
        reporter.set("waiting", f"could not reach Discord: {one_line(failure)}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), delay)
            return 0


async def _run_once(bot: commands.Bot, settings: Settings, stopping: asyncio.Event) -> BaseException | None:
    """Log in and serve until Discord fails us (the error is returned) or a stop is asked (None)."""
    start = asyncio.create_task(bot.start(settings.token.reveal()))
    stop = asyncio.create_task(stopping.wait())
    try:
        await asyncio.wait({start, stop}, return_when=asyncio.FIRST_COMPLETED)
        if not start.done():
            # Cancelling first: closing the HTTP session under a pending login request is
            # what raised "Connector is closed". The websocket, if open, is closed with
            # code 1000 by close() below, so Discord sees a clean disconnect.
            start.cancel()
            await asyncio.wait({start})
            return None
        return None if start.cancelled() else start.exception()
    finally:
        stop.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(bot.close(), 10)
