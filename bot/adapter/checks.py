"""Who may do what, and how often: moderator check and per-user cooldowns."""

from __future__ import annotations

import logging
import time

import discord
from discord import app_commands

__all__ = [
    "KNOWLEDGE_COMMANDS",
    "NotModerator",
    "QuestionLimiter",
    "is_moderator",
    "require_home_guild",
    "require_moderator",
]

log = logging.getLogger(__name__)

# Commands that change the knowledge base (registered only in its home servers), and /gaps,
# which shows what members of every server asked: all refused outside the home servers.
KNOWLEDGE_COMMANDS = frozenset({"kb", "reload", "gaps"})


class NotModerator(app_commands.CheckFailure):
    """The member may not run a moderator command; the message says why."""

    def __init__(self, message: str) -> None:
        self.user_message = message
        super().__init__(message)


def is_moderator(interaction: discord.Interaction, mod_role_ids: frozenset[int]) -> bool:
    """Manage Server in this channel, or one of the configured moderator roles."""
    if interaction.guild is None:
        return False
    if interaction.permissions.manage_guild:
        return True
    roles = getattr(interaction.user, "roles", ())
    return any(role.id in mod_role_ids for role in roles)


def require_moderator(interaction: discord.Interaction, mod_role_ids: frozenset[int]) -> None:
    """Raise NotModerator (and log the member) unless the user may run moderator commands.

    ``default_permissions(manage_guild=True)`` on the command only hides it by default;
    server admins can show it to anyone, so the bot checks again on every use.
    """
    if interaction.guild is None:
        log.warning("moderator command refused in a direct message: user=%s", interaction.user.id)
        raise NotModerator("This command only works in a server.")
    if is_moderator(interaction, mod_role_ids):
        return
    log.warning(
        "moderator command refused: user=%s guild=%s command=%s",
        interaction.user.id,
        interaction.guild_id,
        interaction.command.name if interaction.command else None,
    )
    raise NotModerator("Only moderators (Manage Server or a moderator role) can do that.")


def require_home_guild(interaction: discord.Interaction, home_guild_ids: frozenset[int]) -> None:
    """Raise NotModerator (and log who and where) unless this is one of the knowledge's home servers.

    Anyone can invite a public bot to a server where they have Manage Server, so a
    moderator anywhere is not a moderator of the knowledge base.
    """
    if interaction.guild_id is None:
        log.warning("knowledge command refused in a direct message: user=%s", interaction.user.id)
        raise NotModerator("This command only works in a server.")
    if interaction.guild_id in home_guild_ids:
        return
    log.warning(
        "knowledge command refused outside the home servers: user=%s guild=%s command=%s",
        interaction.user.id,
        interaction.guild_id,
        (interaction.data or {}).get("name"),
    )
    raise NotModerator("The knowledge base can only be changed from its home server.")


class QuestionLimiter:
    """Per-user token buckets (discord.py's own Cooldown), shared by slash commands and mentions.

    Buckets of users who have been quiet for a whole window are dropped, so memory stays
    bounded by the number of recently active users.
    """

    def __init__(self, rate: int, per: float, *, prune_above: int = 10_000) -> None:
        self.rate = rate
        self.per = per
        self._buckets: dict[int, tuple[app_commands.Cooldown, float]] = {}
        self._told: dict[int, float] = {}
        self._prune_above = prune_above

    def first_notice(self, user_id: int, retry_after: float) -> bool:
        """True once per cooldown window: the first refused message gets the notice.

        A flood of mentions would otherwise be answered by a flood of "slow down" replies;
        slash commands are answered every time (their replies are only seen by the asker).
        """
        now = time.monotonic()
        if self._told.get(user_id, 0.0) > now:
            return False
        self._told[user_id] = now + retry_after
        return True

    def hit(self, user_id: int) -> float | None:
        """Count one use; returns seconds to wait when the user is over the limit."""
        now = time.monotonic()
        if len(self._buckets) > self._prune_above:
            self._prune(now)
        bucket, _ = self._buckets.get(user_id, (None, 0.0))
        if bucket is None:
            bucket = app_commands.Cooldown(self.rate, self.per)
        self._buckets[user_id] = (bucket, now)
        return bucket.update_rate_limit()

    def cooldown_error(self, user_id: int) -> app_commands.CommandOnCooldown | None:
        """The library's cooldown error for this user, or None when they may go ahead."""
        retry = self.hit(user_id)
        if retry is None:
            return None
        return app_commands.CommandOnCooldown(app_commands.Cooldown(self.rate, self.per), retry)

    def _prune(self, now: float) -> None:
        stale = [uid for uid, (_, last) in self._buckets.items() if now - last > self.per]
        for uid in stale:
            del self._buckets[uid]
            self._told.pop(uid, None)

    def __len__(self) -> int:
        return len(self._buckets)
