"""The bot object and its lifecycle: intents, command sync, clean shutdown on signals."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import signal
from pathlib import Path
from typing import Any

import discord
import discord.gateway
import discord.http
import yarl
from discord.ext import commands

from bot.adapter.commands import KnowledgeCog
from bot.adapter.tree import KnowledgeTree
from bot.config import Settings
from bot.serving.library import KnowledgeBase

__all__ = ["create_bot", "intents_for", "serve"]

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

    async def setup_hook(self) -> None:
        bot: commands.Bot = self  # type: ignore[assignment]
        await bot.add_cog(KnowledgeCog(bot, self.kb, self.settings))
        await _sync_commands(bot, self.settings)

    async def on_ready(self) -> None:
        bot: commands.Bot = self  # type: ignore[assignment]
        log.info("connected as %s (id %s) to %d guild(s)", bot.user, bot.user.id if bot.user else "?", len(bot.guilds))

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
    return bot


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
    payload = [command.to_dict(bot.tree) for command in bot.tree.get_commands(guild=guild)]
    digest = hashlib.sha256(json.dumps([payload, settings.dev_guild_id], sort_keys=True).encode()).hexdigest()
    marker = (settings.cache_dir or settings.knowledge_dir / ".cache") / "commands.sha256"
    try:
        if marker.read_text("utf-8").strip() == digest:
            log.info("slash commands unchanged; not syncing")
            return
    except OSError:
        pass
    synced = await bot.tree.sync(guild=guild)
    log.info("synced %d slash command(s) %s", len(synced), f"to guild {guild.id}" if guild else "globally")
    _write_marker(marker, digest)


def _write_marker(marker: Path, digest: str) -> None:
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(digest, "utf-8")
    except OSError as exc:
        log.warning("could not remember the command sync in %s: %s", marker, exc.strerror)


async def serve(kb: KnowledgeBase, settings: Settings) -> int:
    """Run until Discord closes, SIGINT or SIGTERM; returns the process exit code.

    Signals close the gateway connection cleanly (in-flight answers finish or are dropped
    with the connection) and the process exits 0.
    """
    if settings.api_base:  # an API proxy shared by several shard processes, or a test double
        discord.http.Route.BASE = settings.api_base
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
    bot = create_bot(kb, settings)
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task[None]] = []

    def stop(name: str) -> None:
        if not closing:
            log.info("received %s; shutting down", name)
            closing.append(loop.create_task(bot.close()))

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
            loop.add_signal_handler(sig, stop, sig.name)
    try:
        async with bot:
            await bot.start(settings.token.reveal())
    except discord.LoginFailure:
        log.error("Discord refused the token (login failed); check DISCORD_TOKEN")
        return 1
    except discord.PrivilegedIntentsRequired:
        log.error("the Message Content intent is not enabled for this bot; see the README (answer channels)")
        return 1
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    log.info("stopped")
    return 0
