"""Slash commands and message triggers: translate Discord to the core and back, nothing more."""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.checks import QuestionLimiter, is_moderator, require_moderator
from bot.adapter.feedback import record_answer
from bot.adapter.render import (
    WARNING_COLOUR,
    Reply,
    render_answer,
    render_help,
    render_notice,
    render_overview,
    render_reload,
    render_sources,
    render_summary,
)
from bot.adapter.send import respond, send_reply
from bot.knowledge.text import clean_question, has_words
from bot.log import log_question
from bot.search.answer import Answer, Status
from bot.serving.coordination import Coordinator, FanoutReport
from bot.serving.library import OFFLOAD_PASSAGES, KnowledgeBase, ReloadReport
from bot.summaries.summary import DEFAULT_SENTENCES, MAX_SENTENCES

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = ["KnowledgeCog"]

log = logging.getLogger(__name__)

MENTION_HINT = "Mention me with a question, for example: who wrote the article?"


class KnowledgeCog(commands.Cog):
    """/ask, /summary, /sources, /reload, /help, and questions by mention or in answer channels."""

    def __init__(
        self, bot: commands.Bot, kb: KnowledgeBase, settings: Settings, coordinator: Coordinator | None = None
    ) -> None:
        self.bot = bot
        self.kb = kb
        self.settings = settings
        # Without Redis the coordinator is this process alone: the local limiters and count decide.
        self.coordinator = coordinator or Coordinator(None, reload=self._reload_here)
        self.limiter = QuestionLimiter(settings.cooldown_questions, settings.cooldown_seconds)
        self.summary_limiter = QuestionLimiter(settings.summary_cooldown_questions, settings.summary_cooldown_seconds)
        c = self.coordinator
        self.shared_limiters = {
            "ask": c.limiter("ask", settings.cooldown_questions, settings.cooldown_seconds, self.limiter),
            "summary": c.limiter(
                "summary", settings.summary_cooldown_questions, settings.summary_cooldown_seconds, self.summary_limiter
            ),
        }
        self.slots = c.counter("questions", settings.max_pending_questions)

    async def _reload_here(self) -> ReloadReport:
        report = await self.kb.reload()
        self.bot.dispatch("knowledge_reloaded", report)  # the health status shows the new count
        return report

    @property
    def pending(self) -> int:
        """Questions this process is answering right now."""
        return self.slots.local

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Checks for every command of this cog: moderators for /reload, cooldowns for questions."""
        name = interaction.command.name if interaction.command else ""
        if name == "reload":
            require_moderator(interaction, self.settings.mod_role_ids)
        limiter = self.shared_limiters.get(name)
        if limiter is not None:
            retry = await limiter.hit(interaction.user.id)
            if retry is not None:
                raise app_commands.CommandOnCooldown(app_commands.Cooldown(limiter.rate, limiter.per), retry)
        return True

    # -- shared steps ------------------------------------------------------------------

    @staticmethod
    def _busy() -> Reply:
        """The reply when too many questions are already being answered."""
        return render_notice(
            "I'm busy",
            "Too many questions at once; try again in a few seconds.",
            ephemeral=True,
            colour=WARNING_COLOUR,
        )

    @contextlib.asynccontextmanager
    async def _slot(self) -> AsyncIterator[bool]:
        """One of MAX_PENDING_QUESTIONS answering slots (of every process, with Redis); False: busy."""
        free = await self.slots.acquire()
        try:
            yield free
        finally:
            if free:
                self.slots.release()

    def _resolve_document(self, key: str | None) -> tuple[str | None, Reply | None]:
        """A document id from an id or title typed by the user, or a reply explaining why not."""
        if not key:
            return None, None
        document = self.kb.snapshot.document(key)
        if document is None:
            text = (
                f"I don't know a document called “{discord.utils.escape_markdown(key[:100])}”. `/sources` lists them."
            )
            return None, render_notice("Unknown document", text, ephemeral=True)
        return document.doc_id, None

    # -- slash commands ----------------------------------------------------------------

    @app_commands.command(name="ask")
    @app_commands.describe(
        question="What do you want to know?",
        document="Only search this document",
        results="How many passages to show (1-5)",
        private="Only you see the answer",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, 1000],
        document: str | None = None,
        results: app_commands.Range[int, 1, 5] = 3,
        private: bool = False,
    ) -> None:
        """Ask the knowledge base; get the passages that answer, quoted exactly."""
        started = time.perf_counter()
        doc_id, problem = self._resolve_document(document)
        if problem is not None:
            await respond(interaction, problem)
            return
        async with self._slot() as free:
            if not free:
                await respond(interaction, self._busy())
                return
            if self.kb.snapshot.index.size >= OFFLOAD_PASSAGES:
                await interaction.response.defer(thinking=True, ephemeral=private)
            answer = await self.kb.ask(question, top=results, doc_id=doc_id)
        view = await record_answer(
            self.bot,
            answer,
            question,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            user_id=interaction.user.id,
            document=doc_id,
        )
        await respond(interaction, render_answer(answer, self.kb.snapshot.documents, ephemeral=private), view=view)
        self._log(interaction.guild_id, interaction.channel_id, "ask", started, answer)

    def document_choices(self, current: str) -> list[app_commands.Choice[str]]:
        """Titles from the serving snapshot (memory only: autocomplete must be instant)."""
        if not self.kb.loaded:
            return []
        needle = current.casefold().strip()
        choices = []
        for doc in self.kb.snapshot.documents:
            if needle and needle not in doc.meta.title.casefold() and needle not in doc.doc_id:
                continue
            name = doc.meta.title if len(doc.meta.title) <= 100 else doc.meta.title[:99] + "…"
            choices.append(app_commands.Choice(name=name, value=doc.doc_id[:100]))
            if len(choices) == 25:
                break
        return choices

    @ask.autocomplete("document")
    async def ask_document(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Document titles for /ask."""
        return self.document_choices(current)

    @app_commands.command(name="summary")
    @app_commands.describe(
        document="The document to summarise (leave empty for one line per document)",
        length="How many sentences (1-10)",
        topic="Only what the document says about this",
    )
    async def summary(
        self,
        interaction: discord.Interaction,
        document: str | None = None,
        length: app_commands.Range[int, 1, MAX_SENTENCES] = DEFAULT_SENTENCES,
        topic: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        """A summary made only of the document's own sentences, each with its paragraph."""
        started = time.perf_counter()
        snapshot = self.kb.snapshot
        doc_id, problem = self._resolve_document(document)
        if problem is not None:
            await respond(interaction, problem)
            return
        if doc_id is None and len(snapshot.documents) == 1:
            doc_id = snapshot.documents[0].doc_id
        if doc_id is None:
            if topic:
                text = "Pick a `document` to summarise on a topic, or use `/ask` to search every document."
                await respond(interaction, render_notice("Which document?", text, ephemeral=True))
                return
            if snapshot.unranked:  # right after a cold start: ranking them all may take seconds
                await interaction.response.defer(thinking=True)
            await respond(interaction, render_overview(await self.kb.overview(sentences=1)))
            return
        if topic and snapshot.index.size >= OFFLOAD_PASSAGES:
            await interaction.response.defer(thinking=True)
        result = await self.kb.summarize(doc_id, sentences=length, topic=topic)
        if result is None:
            await respond(interaction, render_notice("Unknown document", "That document is gone.", ephemeral=True))
            return
        await respond(interaction, render_summary(result))
        log_question(
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            command="summary",
            latency_ms=(time.perf_counter() - started) * 1000,
            status=result.status.value,
            passages=len(result.sentences),
        )

    @summary.autocomplete("document")
    async def summary_document(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Document titles for /summary."""
        return self.document_choices(current)

    @app_commands.command(name="sources")
    async def sources(self, interaction: discord.Interaction) -> None:
        """The documents I can quote from."""
        snapshot = self.kb.snapshot
        counts = [snapshot.paragraph_count(d) for d in snapshot.documents]
        await respond(interaction, render_sources(snapshot.documents, counts))

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction) -> None:
        """What I can do and how to ask."""
        moderator = is_moderator(interaction, self.settings.mod_role_ids)
        await respond(interaction, render_help(moderator=moderator, feedback=self.settings.feedback))

    @app_commands.command(name="reload")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def reload(self, interaction: discord.Interaction) -> None:
        """Moderators: re-read the knowledge folder and swap it in."""
        await interaction.response.defer(thinking=True, ephemeral=True)
        report, fanout = await self.reload_knowledge(interaction.user.id, interaction.guild_id, "/reload")
        await respond(interaction, render_reload(report, fanout))
        await self._post_mod_log(interaction.user.id, report)

    async def reload_knowledge(
        self, user_id: int, guild_id: int | None, reason: str
    ) -> tuple[ReloadReport, FanoutReport | None]:
        """The one reload path (/reload, /kb add, /kb remove): every process reloads, the outcome is logged.

        Returns this process's report, and the other processes' outcomes when there are others.
        """
        fanout = await self.coordinator.broadcast_reload(reason, requested_by=user_id)
        report = fanout.local
        log.info("%s (by user=%s guild=%s)", report.summary_line(), user_id, guild_id)
        for problem in report.errors:
            log.info("reload problem: %s", problem)
        # The coordinator's reload (create_bot's, or _reload_here) told the health status already.
        return report, (fanout if self.coordinator.enabled else None)

    async def _post_mod_log(self, user_id: int, report: ReloadReport, what: str = "") -> None:
        """Every reload, who ran it and what changed, in the moderators' log channel if set.

        ``what`` (already escaped) says what the moderator did, e.g. which document they added from where.
        """
        channel_id = self.settings.mod_log_channel_id
        if channel_id is None:
            return
        embed = dict(render_reload(report).embeds[0])
        head = f"By <@{user_id}>{what[:600]}.\n\n"
        embed["description"] = head + embed["description"][: 4096 - len(head)]
        try:
            channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
            if not isinstance(channel, discord.abc.Messageable):
                raise TypeError("not a text channel")
            await channel.send(embed=discord.Embed.from_dict(embed), allowed_mentions=discord.AllowedMentions.none())
        except (discord.HTTPException, TypeError) as exc:
            log.warning("could not post to the moderator log channel %s: %s", channel_id, exc)

    # -- messages ----------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A mention of the bot, a DM, or any message in an answer channel is a question."""
        if message.author.bot or message.webhook_id is not None or self.bot.user is None:
            return
        if message.author.id == self.bot.user.id:
            return
        mentioned = self.bot.user in message.mentions
        in_answer_channel = message.channel.id in self.settings.answer_channel_ids
        direct = message.guild is None
        if not (mentioned or in_answer_channel or direct):
            return
        started = time.perf_counter()
        try:
            await self._answer_message(message, started)
        except discord.HTTPException as exc:
            log.warning("could not reply to a message: %s %s", exc.status, exc.code)
        except Exception:
            log.exception(
                "answering a message failed: guild=%s channel=%s",
                message.guild and message.guild.id,
                message.channel.id,
            )
            with contextlib.suppress(discord.HTTPException):
                await send_reply(message, render_notice("Something went wrong", "Sorry, that failed on my side."))

    async def _answer_message(self, message: discord.Message, started: float) -> None:
        question = message.content
        if not has_words(clean_question(question)):
            if self.bot.user in message.mentions:
                await send_reply(message, render_notice("Hi!", MENTION_HINT))
            return
        limiter = self.shared_limiters["ask"]
        retry = await limiter.hit(message.author.id)
        if retry is not None:
            if limiter.first_notice(message.author.id, retry):
                wait = max(1, int(retry + 0.999))
                notice = render_notice("Slow down a little", f"Try again in {wait} s.", colour=WARNING_COLOUR)
                await send_reply(message, notice, delete_after=min(30.0, max(5.0, retry)))
            log.debug("question over the cooldown: user=%s", message.author.id)
            return
        async with self._slot() as free:
            if not free:
                await send_reply(message, self._busy(), delete_after=15.0)
                return
            answer = await self.kb.ask(question, top=3, doc_id=None)
        if answer.status is Status.EMPTY and self.bot.user not in message.mentions:
            return  # small talk in an answer channel: stay quiet
        view = await record_answer(
            self.bot,
            answer,
            _without_mention(question, self.bot.user.id),
            guild_id=message.guild.id if message.guild else None,
            channel_id=message.channel.id,
            user_id=message.author.id,
        )
        await send_reply(message, render_answer(answer, self.kb.snapshot.documents), view=view)
        self._log(message.guild.id if message.guild else None, message.channel.id, "mention", started, answer)

    @staticmethod
    def _log(guild_id: int | None, channel_id: int | None, command: str, started: float, answer: Answer) -> None:
        log_question(
            guild_id=guild_id,
            channel_id=channel_id,
            command=command,
            latency_ms=(time.perf_counter() - started) * 1000,
            status=answer.status.value,
            passages=len(answer.results),
            text=answer.cleaned,
        )


def _without_mention(text: str, bot_id: int) -> str:
    """The question as written, without the mention that addressed it to the bot."""
    return re.sub(rf"<@!?{bot_id}>", " ", text).strip()
