"""/kb add, /kb remove and /kb list: moderators of the home servers manage the knowledge base.

Nothing is written before the moderator has seen a preview and pressed Confirm; the
blocking work (fetching, converting, writing) runs in a worker thread, and the reload goes
through the same path as /reload, so the reply and the moderator log look the same.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.checks import require_moderator
from bot.adapter.render import (
    ERROR_COLOUR,
    WARNING_COLOUR,
    Reply,
    escape_markdown,
    render_kb_done,
    render_kb_list,
    render_kb_missing,
    render_kb_preview,
    render_kb_remove_preview,
    render_notice,
)
from bot.adapter.send import InteractionExpiredError, respond, to_kwargs
from bot.adapter.tree import APOLOGY
from bot.errors import IngestError
from bot.ingest import MAX_BYTES, Overrides, Prepared, commit, prepare, remove_document

if TYPE_CHECKING:
    from bot.adapter.commands import KnowledgeCog
    from bot.config import Settings
    from bot.serving.library import KnowledgeBase

__all__ = ["CONFIRM_TIMEOUT_SECONDS", "MAX_ATTACHMENT_BYTES", "KbCog", "setup_knowledge_commands"]

log = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = MAX_BYTES
# Under Discord's 15 minutes for editing an interaction's reply, so the timeout can still say so.
CONFIRM_TIMEOUT_SECONDS = 600.0


async def setup_knowledge_commands(bot: commands.Bot, knowledge: KnowledgeCog, settings: Settings) -> None:
    """Register /reload and /kb in the home servers only (KNOWLEDGE_GUILD_IDS), or nowhere.

    /reload is defined with the other commands; it is moved out of the global set here, so
    a server the bot was merely invited to never sees a command that changes the knowledge.
    """
    reload = bot.tree.remove_command("reload")
    if not settings.knowledge_guild_ids:
        log.warning(
            "KNOWLEDGE_GUILD_IDS is not set: /reload and /kb are not registered, so the knowledge base"
            " can only be changed on the host (python -m bot add/remove)"
        )
        return
    guilds = [discord.Object(id=guild_id) for guild_id in sorted(settings.knowledge_guild_ids)]
    if reload is not None:
        bot.tree.add_command(reload, guilds=guilds)
    await bot.add_cog(KbCog(bot, knowledge, settings), guilds=guilds)


class Confirm(discord.ui.View):
    """Confirm / Cancel for one moderator; times out without doing anything."""

    def __init__(
        self,
        owner_id: int,
        origin: discord.Interaction,
        on_confirm: Callable[[discord.Interaction], Awaitable[None]],
        *,
        label: str,
        timeout: float | None = None,
    ) -> None:
        super().__init__(timeout=timeout or CONFIRM_TIMEOUT_SECONDS)
        self.owner_id = owner_id
        self.origin = origin
        self.on_confirm = on_confirm
        self.confirm.label = label

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        log.warning("confirmation refused: user=%s is not the moderator who asked", interaction.user.id)
        reply = render_notice("Not yours", "Only the moderator who asked can confirm this.", ephemeral=True)
        await respond(interaction, reply)
        return False

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.success)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button[Confirm]) -> None:
        self.stop()  # a second click finds no view: nothing happens twice
        working = render_notice("Working on it…", "Writing and reloading the knowledge base.", ephemeral=True)
        await interaction.response.edit_message(view=None, **to_kwargs(working))  # type: ignore[arg-type]
        await self.on_confirm(interaction)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button[Confirm]) -> None:
        self.stop()
        log.info("knowledge change cancelled by user=%s", interaction.user.id)
        done = render_notice("Cancelled", "Nothing was written.", ephemeral=True)
        await interaction.response.edit_message(view=None, **to_kwargs(done))  # type: ignore[arg-type]

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Confirm]
    ) -> None:
        """A bug behind a button: logged with its traceback, and the moderator told, never left at "Working"."""
        log.error(
            "knowledge change failed for user=%s guild=%s", interaction.user.id, interaction.guild_id, exc_info=error
        )
        reply = render_notice("Something went wrong", APOLOGY, ephemeral=True, colour=ERROR_COLOUR)
        try:
            if interaction.response.is_done():
                await interaction.edit_original_response(view=None, **to_kwargs(reply))  # type: ignore[arg-type]
            else:
                await interaction.response.send_message(ephemeral=True, **to_kwargs(reply))  # type: ignore[arg-type]
        except discord.HTTPException as exc:
            log.warning("could not tell the moderator about the failure: %s", exc.status)

    async def on_timeout(self) -> None:
        expired = render_notice("Timed out", "Nobody confirmed, so nothing was written.", ephemeral=True)
        try:
            await self.origin.edit_original_response(view=None, **to_kwargs(expired))  # type: ignore[arg-type]
        except discord.HTTPException as exc:
            log.info("could not mark a confirmation as timed out: %s", exc.status)


def _who(user: discord.abc.User) -> str:
    """What ``added_by`` records: a name to read and the id that stays true after a rename."""
    return f"{user.name} ({user.id})"


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class KbCog(commands.GroupCog, group_name="kb"):
    """The /kb group (moderators of the home servers only)."""

    def __init__(self, bot: commands.Bot, knowledge: KnowledgeCog, settings: Settings) -> None:
        self.bot = bot
        self.knowledge = knowledge
        self.kb: KnowledgeBase = knowledge.kb
        self.settings = settings
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Moderators only (the tree already refused every server but the home ones)."""
        require_moderator(interaction, self.settings.mod_role_ids)
        return True

    async def _show(self, interaction: discord.Interaction, reply: Reply, view: discord.ui.View | None) -> None:
        """Fill in the deferred reply, with the buttons when there is a choice to make."""
        kwargs = to_kwargs(reply)
        if view is not None:
            kwargs["view"] = view
        try:
            await interaction.edit_original_response(**kwargs)  # type: ignore[arg-type]
        except discord.NotFound as exc:
            log.warning("interaction %s expired before the preview was sent (code %s)", interaction.id, exc.code)
            raise InteractionExpiredError from exc

    async def _finish(self, click: discord.Interaction, reply: Reply) -> None:
        try:
            await click.edit_original_response(**to_kwargs(reply))  # type: ignore[arg-type]
        except discord.HTTPException as exc:
            log.warning("could not show the result of a knowledge change: %s %s", exc.status, exc.code)

    # -- /kb add ---------------------------------------------------------------------------

    @app_commands.command(name="add")
    @app_commands.describe(
        file="A .md, .txt, .html or .pdf file (or give a url)",
        url="A web page or file to add (http or https)",
        title="The title, if the source does not state it (or to correct it)",
        author="The author, if the source does not state it",
        publisher="The publisher or site, if the source does not state it",
        id="The document id (lower-case letters, digits, - . _); default from the title",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment | None = None,
        url: app_commands.Range[str, 1, 2000] | None = None,
        title: app_commands.Range[str, 1, 300] | None = None,
        author: app_commands.Range[str, 1, 200] | None = None,
        publisher: app_commands.Range[str, 1, 200] | None = None,
        id: app_commands.Range[str, 1, 100] | None = None,  # the option's name in Discord
    ) -> None:
        """Moderators: add a document (or update it) from a file or a web page."""
        if (file is None) == (url is None):
            text = "Give either a `file` or a `url` (one of them)."
            await respond(interaction, render_notice("What should I add?", text, ephemeral=True))
            return
        if file is not None and file.size > MAX_ATTACHMENT_BYTES:
            text = f"The file is {file.size / 1_048_576:.1f} MB; the limit is {MAX_ATTACHMENT_BYTES // 1_048_576} MB."
            await respond(interaction, render_notice("File too large", text, ephemeral=True, colour=WARNING_COLOUR))
            return
        await interaction.response.defer(thinking=True, ephemeral=True)
        overrides = Overrides(
            title=title, author=author, publisher=publisher, doc_id=id, added_by=_who(interaction.user)
        )
        where = url if url is not None else (file.filename if file is not None else "")
        try:
            prepared = await self._prepare(file, url, overrides)
        except IngestError as exc:
            log.info("kb add refused (user=%s source=%r): %s", interaction.user.id, where[:200], exc)
            reply = render_notice("Can't add that", str(exc), ephemeral=True, colour=WARNING_COLOUR)
            await respond(interaction, reply)
            return
        if prepared.missing:
            await respond(interaction, render_kb_missing(prepared.missing, source=where))
            return

        async def confirmed(click: discord.Interaction) -> None:
            await self._commit(click, prepared, where)

        view = Confirm(interaction.user.id, interaction, confirmed, label="Update" if prepared.replaces else "Add")
        await self._show(interaction, render_kb_preview(prepared, source=where), view)

    async def _prepare(self, file: discord.Attachment | None, url: str | None, overrides: Overrides) -> Prepared:
        folder = self.settings.knowledge_dir
        private = self.settings.allow_private_urls
        if url is not None:
            return await asyncio.to_thread(
                prepare, url.strip(), overrides=overrides, knowledge_dir=folder, allow_private=private
            )
        assert file is not None
        try:
            data = await file.read()
        except (discord.HTTPException, discord.NotFound) as exc:
            raise IngestError(f"could not download the attachment ({exc.status}); try again") from None
        if len(data) > MAX_ATTACHMENT_BYTES:  # the size Discord stated was wrong
            raise IngestError(f"the file is over the {MAX_ATTACHMENT_BYTES // 1_048_576} MB limit")
        return await asyncio.to_thread(
            prepare,
            data,
            filename=file.filename,
            content_type=file.content_type,
            overrides=overrides,
            knowledge_dir=folder,
            allow_private=private,
        )

    async def _commit(self, click: discord.Interaction, prepared: Prepared, where: str) -> None:
        try:
            path = await asyncio.to_thread(commit, prepared, self.settings.knowledge_dir)
        except IngestError as exc:
            log.warning("kb add failed at commit (user=%s): %s", click.user.id, exc)
            await self._finish(
                click, render_notice("Nothing was written", str(exc), ephemeral=True, colour=ERROR_COLOUR)
            )
            return
        verb = "updated" if prepared.replaces else "added"
        log.info("kb %s %s from %r (user=%s guild=%s)", verb, path, where[:300], click.user.id, click.guild_id)
        report, fanout = await self.knowledge.reload_knowledge(click.user.id, click.guild_id, f"/kb add {verb}")
        title = escape_markdown(prepared.draft.title or prepared.doc_id)
        line = f"{verb.capitalize()} **{title}** as `{prepared.doc_id}`."
        await self._finish(click, render_kb_done(line, report, fanout))
        what = f": {verb} **{title}** (`{prepared.doc_id}`) from {escape_markdown(where[:300])}"
        await self.knowledge._post_mod_log(click.user.id, report, what)

    # -- /kb remove --------------------------------------------------------------------------

    @app_commands.command(name="remove")
    @app_commands.describe(document="The document to remove (its id or title)")
    async def remove(self, interaction: discord.Interaction, document: app_commands.Range[str, 1, 200]) -> None:
        """Moderators: delete a document from the knowledge base."""
        snapshot = self.kb.snapshot
        found = snapshot.document(document)
        if found is None:
            text = f"No document “{escape_markdown(document[:100])}”. `/kb list` shows them."
            await respond(interaction, render_notice("Unknown document", text, ephemeral=True))
            return
        if len(snapshot.documents) == 1:  # the knowledge base cannot load empty: the file would go, the answers not
            text = "It is the only document, and the knowledge base needs one. Add another first."
            await respond(interaction, render_notice("Can't remove that", text, ephemeral=True, colour=WARNING_COLOUR))
            return
        await interaction.response.defer(thinking=True, ephemeral=True)
        doc_id, title = found.doc_id, found.meta.title

        async def confirmed(click: discord.Interaction) -> None:
            try:
                path = await asyncio.to_thread(remove_document, self.settings.knowledge_dir, doc_id)
            except IngestError as exc:
                reply = render_notice("Nothing was removed", str(exc), ephemeral=True, colour=ERROR_COLOUR)
                await self._finish(click, reply)
                return
            log.info("kb removed %s (user=%s guild=%s)", path, click.user.id, click.guild_id)
            report, fanout = await self.knowledge.reload_knowledge(click.user.id, click.guild_id, "/kb remove")
            line = f"Removed **{escape_markdown(title)}** (`{doc_id}`)."
            await self._finish(click, render_kb_done(line, report, fanout))
            what = f": removed **{escape_markdown(title[:200])}** (`{doc_id}`)"
            await self.knowledge._post_mod_log(click.user.id, report, what)

        view = Confirm(interaction.user.id, interaction, confirmed, label="Remove")
        await self._show(interaction, render_kb_remove_preview(found, snapshot.paragraph_count(found)), view)

    @remove.autocomplete("document")
    async def remove_document_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Document titles, as for /ask."""
        return self.knowledge.document_choices(current)

    # -- /kb list ----------------------------------------------------------------------------

    @app_commands.command(name="list")
    async def list_documents(self, interaction: discord.Interaction) -> None:
        """Moderators: every document with its id, source, and who added it when."""
        await respond(interaction, render_kb_list(self.kb.snapshot.documents))
