"""Feedback on Discord: vote buttons under answers, /gaps, /forget-me, and the retention purge.

The store is synchronous (SQLite); every call to it runs in a worker thread, so a slow or
locked database delays one reply, never the event loop. The vote buttons carry the answer
id and the vote in their custom_id and are registered as a dynamic item, so a click on an
answer sent before a restart still counts with nothing kept in memory.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.adapter.checks import require_moderator
from bot.adapter.render import (
    ERROR_COLOUR,
    FEEDBACK_CUSTOM_ID,
    FORGET_CONFIRM_ID,
    render_feedback_buttons,
    render_forget_buttons,
    render_forget_done,
    render_forget_prompt,
    render_gaps,
    render_notice,
    render_vote,
)
from bot.adapter.send import respond, to_kwargs
from bot.feedback import FeedbackError, FeedbackStore, GapReport
from bot.search.answer import Answer, Status
from bot.serving.library import KnowledgeBase

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = ["FeedbackButton", "FeedbackCog", "feedback_view", "open_store", "record_answer"]

log = logging.getLogger(__name__)

PURGE_HOURS = 24.0
# How long a /forget-me confirmation stays clickable.
CONFIRM_SECONDS = 120.0


def open_store(settings: Settings) -> FeedbackStore | None:
    """The feedback store for these settings, or None when FEEDBACK=off (nothing is stored).

    The store connects on first use, so a broken database never stops the bot starting.
    """
    if not settings.feedback:
        return None
    key = settings.feedback_key.reveal() if settings.feedback_key else None
    days = settings.feedback_retention_days
    if settings.database_url is not None:  # config has checked that a shared key is set
        return FeedbackStore.postgres(settings.database_url.reveal(), key or "", retention_days=days)
    return FeedbackStore.sqlite(settings.database_path, key, retention_days=days)


def store_of(client: discord.Client) -> FeedbackStore | None:
    """The bot's feedback store (set by setup_hook), if feedback is on."""
    return getattr(client, "feedback_store", None)


class FeedbackButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=FEEDBACK_CUSTOM_ID):
    """A "Helpful" / "Not helpful" button; everything it needs is in its custom_id."""

    def __init__(self, answer_id: str, helpful: bool, *, label: str, style: int = 2) -> None:
        custom_id = f"fb:{answer_id}:{'y' if helpful else 'n'}"
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle(style), custom_id=custom_id))
        self.answer_id = answer_id
        self.helpful = helpful

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FeedbackButton:
        """Rebuild the button from a click, keeping the label the message shows."""
        label = getattr(item, "label", None) or ("Helpful" if match["vote"] == "y" else "Not helpful")
        return cls(match["answer"], match["vote"] == "y", label=label)

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        """Count the vote (once per person: a second click changes it) and say so, ephemerally."""
        store = store_of(interaction.client)
        if store is None:
            reply = render_notice("Feedback", "Feedback is switched off on this bot.", ephemeral=True)
        else:
            result = await asyncio.to_thread(store.vote, self.answer_id, interaction.user.id, self.helpful)
            log.info("vote %s on answer %s: %s", "y" if self.helpful else "n", self.answer_id, result.outcome.value)
            reply = render_vote(result, self.helpful)
        try:
            await respond(interaction, reply)
        except Exception:  # expired or refused: the vote itself is already stored
            log.warning("could not acknowledge a vote on answer %s", self.answer_id)


def feedback_view(answer_id: str) -> discord.ui.View:
    """The vote buttons for one answer, built from render's component data."""
    view = discord.ui.View(timeout=None)
    for row in render_feedback_buttons(answer_id):
        for button in row["components"]:
            match = re.fullmatch(FEEDBACK_CUSTOM_ID, button["custom_id"])
            assert match is not None  # render built it from the same template
            view.add_item(FeedbackButton(match["answer"], match["vote"] == "y", label=button["label"]))
    return view


async def record_answer(
    client: discord.Client,
    answer: Answer,
    question: str,
    *,
    guild_id: int | None,
    channel_id: int | None,
    user_id: int,
    document: str | None = None,
) -> discord.ui.View | None:
    """Record a question and its answer; the vote buttons to send with it, or None.

    Small talk (no words) is not recorded. A declined question is recorded as a gap and gets
    no buttons (there is nothing to judge). Not recorded (off, or the database failed): no
    buttons either, since a click could not be counted.
    """
    store = store_of(client)
    if store is None or answer.status is Status.EMPTY:
        return None
    cited = [(r.document.doc_id, r.passage.paragraph) for r in answer.results]
    quote = answer.results[0].quote.text if answer.results else None
    answer_id = await asyncio.to_thread(
        store.record_answer,
        question,
        answer.status,
        cited=cited,
        quote=quote,
        guild_id=guild_id,
        channel_id=channel_id,
        user_id=user_id,
        document=document,
    )
    if answer_id is None or answer.status is not Status.ANSWERED:
        return None
    return feedback_view(answer_id)


class ForgetView(discord.ui.View):
    """Confirm / Cancel under the /forget-me prompt; only the person who asked can press them."""

    def __init__(self, store: FeedbackStore, user_id: int) -> None:
        super().__init__(timeout=CONFIRM_SECONDS)
        self.store = store
        self.user_id = user_id
        for row in render_forget_buttons():
            for spec in row["components"]:
                button: discord.ui.Button[Any] = discord.ui.Button(
                    label=spec["label"], style=discord.ButtonStyle(spec["style"]), custom_id=spec["custom_id"]
                )
                button.callback = self._confirm if spec["custom_id"] == FORGET_CONFIRM_ID else self._cancel  # type: ignore[method-assign]
                self.add_item(button)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return interaction.user.id == self.user_id

    async def _confirm(self, interaction: discord.Interaction) -> None:
        self.stop()
        try:
            removed = await asyncio.to_thread(self.store.forget_user, interaction.user.id)
        except FeedbackError as exc:
            log.warning("forget-me failed: %s", exc)
            reply = render_notice(
                "Not removed",
                "The feedback records could not be changed just now; please try again later.",
                ephemeral=True,
                colour=ERROR_COLOUR,
            )
        else:
            log.info("forget-me: removed %d record(s) of one user", removed)
            reply = render_forget_done(removed)
        await interaction.response.edit_message(view=None, **_edit_kwargs(reply))

    async def _cancel(self, interaction: discord.Interaction) -> None:
        self.stop()
        await interaction.response.edit_message(view=None, **_edit_kwargs(render_forget_done(None)))


def _edit_kwargs(reply: Any) -> dict[str, Any]:
    kwargs = to_kwargs(reply)
    kwargs.pop("content", None)
    return kwargs


class FeedbackCog(commands.Cog):
    """/gaps for moderators, /forget-me for everyone, and the daily retention purge."""

    def __init__(self, bot: commands.Bot, kb: KnowledgeBase, settings: Settings, store: FeedbackStore) -> None:
        self.bot = bot
        self.kb = kb
        self.settings = settings
        self.store = store
        self.purge.change_interval(hours=PURGE_HOURS)

    async def cog_load(self) -> None:
        """Start the purge with the cog, so a bot that never connects never touches the file."""
        self.purge.start()

    async def cog_unload(self) -> None:
        """Stop the purge on shutdown."""
        self.purge.cancel()

    @tasks.loop(hours=PURGE_HOURS)
    async def purge(self) -> None:
        """Delete records older than FEEDBACK_RETENTION_DAYS (at start, then daily)."""
        try:
            removed = await asyncio.to_thread(self.store.purge_older_than, self.settings.feedback_retention_days)
        except FeedbackError as exc:
            log.warning("feedback retention purge failed: %s", exc)
            return
        if removed:
            days = self.settings.feedback_retention_days
            log.info("feedback retention: removed %d record(s) older than %d days", removed, days)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        """/gaps is for moderators; default_permissions only hides it, so check every use."""
        if interaction.command is not None and interaction.command.name == "gaps":
            require_moderator(interaction, self.settings.mod_role_ids)
        return True

    @app_commands.command(name="gaps")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(days="How many days back (default 7)", document="Only questions about this document")
    async def gaps(
        self,
        interaction: discord.Interaction,
        days: app_commands.Range[int, 1, 3650] = 7,
        document: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        """Moderators: what people asked that the knowledge base did not answer well."""
        await interaction.response.defer(thinking=True, ephemeral=True)
        doc_id = None
        if document:
            known = self.kb.snapshot.document(document) if self.kb.loaded else None
            doc_id = known.doc_id if known is not None else document
        try:
            report = await asyncio.to_thread(self._gaps, days, doc_id)
        except FeedbackError as exc:
            log.warning("/gaps failed: %s", exc)
            text = "The feedback records could not be read just now; please try again later."
            await respond(interaction, render_notice("Gaps unavailable", text, ephemeral=True, colour=ERROR_COLOUR))
            return
        await respond(interaction, render_gaps(report))

    def _gaps(self, days: int, document: str | None) -> GapReport:
        """In a worker thread: loading the sentence model and grouping both take time."""
        encoder = self.kb.semantic.encoder() if self.kb.semantic.enabled else None
        return self.store.gaps(days, document, embed=encoder.encode if encoder is not None else None)

    @gaps.autocomplete("document")
    async def gaps_document(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Document titles, as for /ask."""
        cog = self.bot.get_cog("KnowledgeCog")
        return cog.document_choices(current) if cog is not None else []  # type: ignore[attr-defined]

    @app_commands.command(name="forget-me")
    async def forget_me(self, interaction: discord.Interaction) -> None:
        """Remove the questions you asked and the votes you gave from the feedback records."""
        view = ForgetView(self.store, interaction.user.id)
        kwargs = to_kwargs(render_forget_prompt())
        await interaction.response.send_message(ephemeral=True, view=view, **kwargs)  # type: ignore[arg-type]
