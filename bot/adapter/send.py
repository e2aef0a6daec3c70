"""Reply (plain data) -> discord.py calls, always with mentions disabled."""

from __future__ import annotations

import logging

import discord

from bot.adapter.render import Reply

__all__ = ["InteractionExpiredError", "respond", "send_reply", "to_kwargs"]

log = logging.getLogger(__name__)


def to_kwargs(reply: Reply) -> dict[str, object]:
    """Keyword arguments for discord.py's send/edit methods."""
    return {
        "content": reply.content,
        "embeds": [discord.Embed.from_dict(embed) for embed in reply.embeds],
        "allowed_mentions": discord.AllowedMentions.none(),
    }


async def respond(interaction: discord.Interaction, reply: Reply, *, view: discord.ui.View | None = None) -> None:
    """Answer an interaction once, whatever state it is in.

    Not yet acknowledged: send the response. Deferred: fill in the "thinking" message.
    Already answered: add a follow-up. This is the only way commands reply, so nothing
    answers twice (discord.py raises InteractionResponded if one does).
    """
    kwargs = to_kwargs(reply)
    if view is not None:  # only when given: view=None on an edit would remove components
        kwargs["view"] = view
    response = interaction.response
    try:
        if not response.is_done():
            await response.send_message(ephemeral=reply.ephemeral, **kwargs)  # type: ignore[arg-type]
        elif response.type is discord.InteractionResponseType.deferred_channel_message:
            await interaction.edit_original_response(**kwargs)  # type: ignore[arg-type]
        else:
            await interaction.followup.send(ephemeral=reply.ephemeral, **kwargs)  # type: ignore[arg-type]
    except discord.NotFound as exc:
        # 10062 Unknown interaction / 10015 Unknown webhook: the token expired (Discord gives
        # 3 s to acknowledge, 15 min to follow up). Nobody is left to tell; say it once.
        log.warning(
            "interaction %s expired before the reply was sent (Discord code %s); dropped", interaction.id, exc.code
        )
        raise InteractionExpiredError from exc


class InteractionExpiredError(Exception):
    """The interaction can no longer be answered; already logged."""


async def send_reply(
    message: discord.Message,
    reply: Reply,
    *,
    delete_after: float | None = None,
    view: discord.ui.View | None = None,
) -> None:
    """Reply to a message (mentions and answer channels) without pinging its author."""
    kwargs = to_kwargs(reply)
    if view is not None:
        kwargs["view"] = view
    await message.reply(delete_after=delete_after, mention_author=False, **kwargs)  # type: ignore[arg-type]
