"""Reply (plain data) -> discord.py calls, always with mentions disabled."""

from __future__ import annotations

import discord

from bot.render import Reply

__all__ = ["respond", "send_reply", "to_kwargs"]


def to_kwargs(reply: Reply) -> dict[str, object]:
    """Keyword arguments for discord.py's send/edit methods."""
    return {
        "content": reply.content,
        "embeds": [discord.Embed.from_dict(embed) for embed in reply.embeds],
        "allowed_mentions": discord.AllowedMentions.none(),
    }


async def respond(interaction: discord.Interaction, reply: Reply) -> None:
    """Answer an interaction once, whatever state it is in.

    Not yet acknowledged: send the response. Deferred: fill in the "thinking" message.
    Already answered: add a follow-up. This is the only way commands reply, so nothing
    answers twice (discord.py raises InteractionResponded if one does).
    """
    kwargs = to_kwargs(reply)
    response = interaction.response
    if not response.is_done():
        await response.send_message(ephemeral=reply.ephemeral, **kwargs)  # type: ignore[arg-type]
    elif response.type is discord.InteractionResponseType.deferred_channel_message:
        await interaction.edit_original_response(**kwargs)  # type: ignore[arg-type]
    else:
        await interaction.followup.send(ephemeral=reply.ephemeral, **kwargs)  # type: ignore[arg-type]


async def send_reply(message: discord.Message, reply: Reply, *, delete_after: float | None = None) -> None:
    """Reply to a message (mentions and answer channels) without pinging its author."""
    await message.reply(delete_after=delete_after, mention_author=False, **to_kwargs(reply))  # type: ignore[arg-type]
