"""The one place app-command errors become messages people read."""

from __future__ import annotations

import logging
import math

import discord
from discord import app_commands

from bot.adapter.checks import KNOWLEDGE_COMMANDS, NotModerator, require_home_guild
from bot.adapter.render import WARNING_COLOUR, render_notice
from bot.adapter.send import InteractionExpiredError, respond

__all__ = ["KnowledgeTree"]

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side. It has been logged for the moderators; please try again."


class KnowledgeTree(app_commands.CommandTree):
    """CommandTree whose errors are answered, ephemerally, instead of only logged."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Knowledge-changing commands only in the home servers, even if registered elsewhere.

        Runs before the command is looked up, so a stale or forged invocation from another
        server is refused and logged rather than reported as an unknown command.
        """
        if (interaction.data or {}).get("name") in KNOWLEDGE_COMMANDS:
            settings = getattr(self.client, "settings", None)
            home = settings.knowledge_guild_ids if settings is not None else frozenset()
            try:
                require_home_guild(interaction, home)
            except NotModerator:
                if interaction.type is discord.InteractionType.autocomplete:
                    return False  # nothing to say in an autocomplete; the choices stay empty
                raise
        return True

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Answer in this order of priority.

        1. Cooldown: how long to wait.
        2. A refused check: the check's own message (moderators only, not in DMs).
        3. Other check failures and bad arguments: what was wrong.
        4. Anything else: a fixed apology (never the exception text) and a logged traceback.
        """
        original = getattr(error, "original", None)
        if isinstance(original, InteractionExpiredError):
            return  # logged where it happened; there is nobody to answer
        if isinstance(original, discord.NotFound) and original.code in (10062, 10015):
            log.warning("interaction %s expired before it was acknowledged; dropped", interaction.id)
            return
        if isinstance(error, app_commands.CommandOnCooldown):
            wait = max(1, math.ceil(error.retry_after))
            reply = render_notice(
                "Slow down a little", f"Try again in {wait} s.", ephemeral=True, colour=WARNING_COLOUR
            )
        elif isinstance(error, NotModerator):
            reply = render_notice("Not allowed", error.user_message, ephemeral=True, colour=WARNING_COLOUR)
        elif isinstance(error, app_commands.NoPrivateMessage):
            reply = render_notice("Not here", "This command only works in a server.", ephemeral=True)
        elif isinstance(error, app_commands.CheckFailure):
            reply = render_notice("Not allowed", "You can't use this command here.", ephemeral=True)
        elif isinstance(error, app_commands.TransformerError | app_commands.CommandSignatureMismatch):
            log.warning("bad command input: %s", type(error).__name__)
            reply = render_notice("I didn't understand that", "Please check the command's options.", ephemeral=True)
        else:
            original = getattr(error, "original", error)
            log.error(
                "command %s failed for user=%s guild=%s",
                interaction.command.name if interaction.command else "?",
                interaction.user.id if interaction.user else None,
                interaction.guild_id,
                exc_info=original,
            )
            reply = render_notice("Something went wrong", APOLOGY, ephemeral=True)
        try:
            await respond(interaction, reply)
        except InteractionExpiredError:
            pass
        except discord.HTTPException as exc:
            log.warning("could not tell the user about an error: %s %s", exc.status, exc.code)
