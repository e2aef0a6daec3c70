"""Answers, summaries and reports -> Discord message payloads, as plain data.

Pure functions, no discord import: the adapter only turns a ``Reply`` into a discord.py
call. Every payload stays inside Discord's limits whatever the documents and the question:
text is shortened at a sentence boundary, else at a word boundary, with an ellipsis and a
"more in ¶N" pointer, never mid-word and never by dropping the citation. Document and user
text is Markdown-escaped, so Discord shows the document's words exactly, and mention
syntax is escaped too, so nothing could ping even if ``allowed_mentions`` were forgotten
(it is set to none on every payload anyway).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from bot.errors import KnowledgeProblem
from bot.feedback import GapGroup, GapReport, VoteOutcome, VoteResult
from bot.ingest import Prepared
from bot.knowledge.citations import paragraph_label, quote_link
from bot.knowledge.documents import Document
from bot.knowledge.text import Span, unwrap
from bot.search.answer import MAX_QUESTION_CHARS, Answer, Result, Status
from bot.serving.coordination import FanoutReport
from bot.serving.library import ReloadReport
from bot.summaries.summary import Summary, SummarySentence, SummaryStatus

__all__ = [
    "FEEDBACK_CUSTOM_ID",
    "LIMITS",
    "Reply",
    "discord_length",
    "escape_markdown",
    "feedback_custom_id",
    "render_answer",
    "render_feedback_buttons",
    "render_forget_buttons",
    "render_forget_done",
    "render_forget_prompt",
    "render_gaps",
    "render_help",
    "render_kb_done",
    "render_kb_list",
    "render_kb_missing",
    "render_kb_preview",
    "render_kb_remove_preview",
    "render_notice",
    "render_overview",
    "render_reload",
    "render_sources",
    "render_summary",
    "render_vote",
]


@dataclass(frozen=True)
class Limits:
    """Discord's documented message and embed limits (characters)."""

    content: int = 2000
    title: int = 256
    description: int = 4096
    field_name: int = 256
    field_value: int = 1024
    footer: int = 2048
    author: int = 256
    embed_total: int = 6000
    embeds: int = 10
    fields: int = 25


LIMITS = Limits()
NO_MENTIONS: dict[str, list[str]] = {"parse": []}
ANSWER_COLOUR = 0x3B82F6
SUMMARY_COLOUR = 0x10B981
NOTICE_COLOUR = 0x6B7280
WARNING_COLOUR = 0xF59E0B
ERROR_COLOUR = 0xEF4444
ELLIPSIS = "…"


@dataclass(frozen=True)
class Reply:
    """One message: optional content, embeds, and whether only the asker sees it."""

    content: str | None = None
    embeds: tuple[dict[str, Any], ...] = ()
    ephemeral: bool = False
    allowed_mentions: dict[str, list[str]] = field(default_factory=lambda: dict(NO_MENTIONS))

    def to_message(self) -> dict[str, Any]:
        """The JSON body of a message create (what Discord receives)."""
        body: dict[str, Any] = {"allowed_mentions": self.allowed_mentions, "embeds": list(self.embeds)}
        if self.content:
            body["content"] = self.content
        if self.ephemeral:
            body["flags"] = 64
        return body


def discord_length(text: str) -> int:
    """Length as Discord counts it (UTF-16 code units: never less than Python's len)."""
    return len(text.encode("utf-16-le")) // 2


_ALWAYS = re.compile(r"([\\*_~|`<>\[\]()@#])")
# "[ \t]*", not "\s*": a run of blank lines must not be rescanned from every line start.
_LINE_START = re.compile(r"(?m)^([ \t]*)([-+>]|\d{1,9}(?=[.)]))")


def escape_markdown(text: str) -> str:
    """Backslash-escape everything Discord would read as Markdown, a mention, an emoji or a link."""
    text = _ALWAYS.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def _shorten_plain(text: str, limit: int) -> str:
    """Fit plain text (titles, footers) at a word boundary with an ellipsis."""
    if discord_length(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    while discord_length(cut) + 1 > limit:
        cut = cut[:-1]
    return cut.rstrip() + ELLIPSIS


def _styled(text: str, highlights: Sequence[Span], start: int, end: int) -> str:
    """Escaped ``text[start:end]`` with highlighted words in bold, as a block quote.

    Line breaks of hard-wrapped source text are shown as spaces (``unwrap``); each piece is
    unwrapped on its own, so the highlight offsets into the exact quote stay valid.
    """
    out: list[str] = []
    position = start
    for span in highlights:
        if span.start < position or span.end > end:
            continue
        out.append(escape_markdown(unwrap(text[position : span.start])))
        out.append("**" + escape_markdown(unwrap(text[span.start : span.end])) + "**")
        position = span.end
    out.append(escape_markdown(unwrap(text[position:end])))
    body = "".join(out)
    return "> " + body.replace("\n", "\n> ")


def fit_quote(
    text: str, highlights: Sequence[Span], sentence_ends: Sequence[int], budget: int, pointer: str
) -> tuple[str, bool]:
    """The styled quote within ``budget`` characters, and whether it had to be shortened.

    Tries the whole quote, then the longest run of whole sentences, then the longest run of
    whole words; a shortened quote ends with an ellipsis and ``pointer`` ("more in ¶3").
    """
    whole = _styled(text, highlights, 0, len(text))
    if discord_length(whole) <= budget:
        return whole, False
    tail = f" {ELLIPSIS} *({pointer})*"
    cuts = [e for e in sentence_ends if 0 < e < len(text)]
    words = [m.start() for m in re.finditer(r"\s+", text)]
    for candidates in (sorted(cuts, reverse=True), sorted(words, reverse=True)):
        for cut in candidates:
            styled = _styled(text, highlights, 0, cut) + tail
            if discord_length(styled) <= budget:
                return styled, True
    return "> " + tail.strip(), True


def _embed_length(embed: dict[str, Any]) -> int:
    total = discord_length(embed.get("title", "")) + discord_length(embed.get("description", ""))
    total += discord_length(embed.get("footer", {}).get("text", ""))
    total += discord_length(embed.get("author", {}).get("name", ""))
    for item in embed.get("fields", []):
        total += discord_length(item["name"]) + discord_length(item["value"])
    return total


def _footer(document: Document, label: str) -> str:
    meta = document.meta
    return _shorten_plain(f"{meta.author} · {meta.publisher} · {label}", LIMITS.footer)


def _result_embed(result: Result, budget: int) -> dict[str, Any]:
    document, passage, quote = result.document, result.passage, result.quote
    label = paragraph_label(passage)
    ends = [s.end - quote.start for s in passage.sentences if quote.start < s.end <= quote.end]
    description, _ = fit_quote(quote.text, quote.highlights, ends, min(budget, LIMITS.description), f"more in {label}")
    embed: dict[str, Any] = {
        "title": _shorten_plain(escape_markdown(document.meta.title), LIMITS.title),
        "description": description,
        "footer": {"text": _footer(document, label)},
        "color": ANSWER_COLOUR,
    }
    link = quote_link(document, quote.text)
    if link and len(link) <= 2048:
        embed["url"] = link
    return embed


def render_answer(answer: Answer, documents: Sequence[Document] = (), *, ephemeral: bool = False) -> Reply:
    """The reply to a question: one embed per quoted passage, or a friendly decline."""
    if answer.status is not Status.ANSWERED:
        return _declined(answer, documents, ephemeral)
    results = answer.results[: LIMITS.embeds]
    overhead = sum(
        discord_length(_shorten_plain(escape_markdown(r.document.meta.title), LIMITS.title))
        + discord_length(_footer(r.document, paragraph_label(r.passage)))
        for r in results
    )
    per_result = max(200, (LIMITS.embed_total - overhead - 50) // max(1, len(results)))
    embeds = [_result_embed(result, per_result) for result in results]
    while sum(_embed_length(e) for e in embeds) > LIMITS.embed_total and len(embeds) > 1:
        embeds.pop()
    return Reply(embeds=tuple(embeds), ephemeral=ephemeral)


def _source_lines(documents: Sequence[Document], most: int = 5) -> str:
    lines = [f"• {escape_markdown(_shorten_plain(d.meta.title, 200))}" for d in documents[:most]]
    if len(documents) > most:
        lines.append(f"• … and {len(documents) - most} more: see `/sources`")
    return "\n".join(lines)


def _declined(answer: Answer, documents: Sequence[Document], ephemeral: bool) -> Reply:
    if answer.status is Status.EMPTY:
        text = "Ask me a question in words, for example: `/ask question: Who wrote the article?`"
        return render_notice("I need a question", text, ephemeral=True)
    if answer.status is Status.TOO_LONG:
        text = f"Please keep questions under {MAX_QUESTION_CHARS} characters: ask about one thing at a time."
        return render_notice("That question is too long", text, ephemeral=True)
    if answer.status is Status.UNKNOWN_DOCUMENT:
        return render_notice("Unknown document", "I don't know that document. `/sources` lists them.", ephemeral=True)
    text = "I couldn't find that in the knowledge base, so I won't guess."
    if answer.absent:
        name = escape_markdown(_shorten_plain(answer.absent, 100))
        text = f"I have no document called “{name}”, so I won't quote another one in its place."
    if documents:
        text += "\n\nWhat I can quote from:\n" + _source_lines(documents)
    return render_notice("Not in the knowledge base", text, ephemeral=ephemeral)


def render_notice(title: str, text: str, *, ephemeral: bool = False, colour: int = NOTICE_COLOUR) -> Reply:
    """A short message in one embed (hints, refusals, apologies)."""
    embed = {
        "title": _shorten_plain(title, LIMITS.title),
        "description": _shorten_plain(text, LIMITS.description),
        "color": colour,
    }
    return Reply(embeds=(embed,), ephemeral=ephemeral)


def _summary_lines(sentences: Sequence[SummarySentence], budget: int) -> str:
    """Each sentence as a block quote with its ¶, all within ``budget`` characters.

    A sentence that does not fit whole is shortened at a word boundary (with its "more in
    ¶N" pointer); when there is no useful room left, a note says how many were left out.
    """
    note_room = 48
    lines: list[str] = []
    used = 0
    for i, sentence in enumerate(sentences):
        label = f"¶{sentence.paragraph}"
        room = budget - used - (2 if lines else 0) - (note_room if i < len(sentences) - 1 else 0)
        whole = f"{_styled(sentence.text, (), 0, len(sentence.text))} *({label})*"
        if discord_length(whole) <= room:
            line = whole
        elif room >= 160:
            line, _ = fit_quote(sentence.text, (), [len(sentence.text)], room, f"more in {label}")
        else:
            lines.append(f"*({len(sentences) - i} more sentence(s) did not fit)*")
            break
        lines.append(line)
        used += discord_length(line) + (2 if len(lines) > 1 else 0)
    return "\n\n".join(lines)


def render_summary(summary: Summary, *, ephemeral: bool = False) -> Reply:
    """A summary: each sentence quoted exactly with its ¶, and the citation in the footer."""
    document = summary.document
    if summary.status is SummaryStatus.NOT_FOUND:
        text = f"“{escape_markdown(_shorten_plain(summary.topic or '', 200))}” isn't something this document covers."
        return render_notice("Nothing on that topic", text, ephemeral=True)
    if summary.status is SummaryStatus.TOO_LONG:
        return render_notice("That topic is too long", "Give the topic in a few words.", ephemeral=True)
    if summary.status is SummaryStatus.EMPTY_TOPIC:
        return render_notice("I need a topic", "Give the topic in words, for example `ukraine`.", ephemeral=True)
    if summary.status is SummaryStatus.NO_SENTENCES:
        return render_notice("Nothing to summarise", "This document has no full sentences to quote.", ephemeral=True)
    title = f"Summary: {_shorten_plain(document.meta.title, 150)}"
    if summary.topic:
        title += f" (on “{_shorten_plain(' '.join(summary.topic.split()), 80)}”)"
    title = _shorten_plain(escape_markdown(title), LIMITS.title)
    footer = _footer(document, "sentences quoted as written, in order")
    budget = min(LIMITS.description, LIMITS.embed_total - discord_length(title) - discord_length(footer) - 20)
    embed: dict[str, Any] = {
        "title": title,
        "description": _summary_lines(summary.sentences, budget),
        "footer": {"text": footer},
        "color": SUMMARY_COLOUR,
    }
    if document.meta.url:
        embed["url"] = document.meta.url
    return Reply(embeds=(embed,), ephemeral=ephemeral)


def render_overview(summaries: Sequence[Summary], *, ephemeral: bool = False) -> Reply:
    """The whole knowledge base in one embed: each document's most central sentence."""
    lines = []
    for summary in summaries:
        if not summary.sentences:
            continue
        sentence = summary.sentences[0]
        head = f"**{escape_markdown(_shorten_plain(summary.document.meta.title, 200))}**"
        quote, _ = fit_quote(sentence.text, (), [len(sentence.text)], 600, f"more in ¶{sentence.paragraph}")
        lines.append(f"{head}\n{quote} *(¶{sentence.paragraph})*")
    description = _join_within(lines, LIMITS.description - 60, "documents")
    embed = {
        "title": "What the knowledge base says, one sentence per document",
        "description": description or "The knowledge base has no full sentences to quote.",
        "footer": {"text": "Sentences quoted as written · /summary document:<name> for more"},
        "color": SUMMARY_COLOUR,
    }
    return Reply(embeds=(embed,), ephemeral=ephemeral)


def _join_within(lines: Sequence[str], budget: int, noun: str) -> str:
    """Join lines with blank lines, stopping before the budget with a count of what is left."""
    return "\n\n".join(_fit_lines(lines, budget, gap=2, more=f"more {noun}"))


def _fit_lines(lines: Sequence[str], budget: int, *, used: int = 0, gap: int = 1, more: str = "more") -> list[str]:
    """As many lines as fit ``budget`` (``used`` already taken, ``gap`` between lines), then "… and N more"."""
    kept: list[str] = []
    for i, line in enumerate(lines):
        if used + discord_length(line) + gap > budget:
            kept.append(f"… and {len(lines) - i} {more}")
            break
        kept.append(line)
        used += discord_length(line) + gap
    return kept


def _shortened(lines: Sequence[str]) -> list[str]:
    """Each line cut to 300 characters, so one long line cannot take a whole block."""
    return [_shorten_plain(line, 300) for line in lines]


def render_sources(documents: Sequence[Document], paragraphs: Sequence[int], *, ephemeral: bool = False) -> Reply:
    """The documents the bot can quote: title, author, publisher, paragraphs and link."""
    lines = []
    for document, count in zip(documents, paragraphs, strict=True):
        meta = document.meta
        line = (
            f"**{escape_markdown(_shorten_plain(meta.title, 200))}**\n"
            f"{escape_markdown(_shorten_plain(meta.author, 100))}, "
            f"{escape_markdown(_shorten_plain(meta.publisher, 100))}"
            f" · {count} paragraph{'s' if count != 1 else ''} · id `{document.doc_id}`"
        )
        if meta.url and len(meta.url) < 500:
            line += f"\n<{meta.url}>"
        lines.append(line)
    return _document_list("Sources", lines, len(documents), ephemeral)


def _problem_block(problems: Sequence[KnowledgeProblem], budget: int) -> str:
    lines = [str(p).replace("`", "'") for p in problems]
    return "```\n" + "\n".join(_fit_lines(_shortened(lines), budget - 40, used=8)) + "\n```"


def render_reload(report: ReloadReport, fanout: FanoutReport | None = None) -> Reply:
    """What a reload changed, or why it failed (always ephemeral: it is for the moderator).

    With several processes (``fanout``), one line per process follows: its outcome, or that
    it did not answer in time.
    """
    reply = _render_local_reload(report)
    if fanout is None:
        return reply
    embed = dict(reply.embeds[0])
    budget = LIMITS.description - discord_length(embed["description"]) - 2
    embed["description"] += "\n\n" + _process_block(fanout, budget)
    if not fanout.ok and embed["color"] == SUMMARY_COLOUR:
        embed["color"] = WARNING_COLOUR
    return replace(reply, embeds=(embed,))


def _process_block(fanout: FanoutReport, budget: int) -> str:
    marks = [("✅" if o.ok else "⏳" if o.busy else "❌") for o in fanout.outcomes]
    rows = [
        f"{mark} **{escape_markdown(o.process.label)}**: {escape_markdown(o.line)}"
        for mark, o in zip(marks, fanout.outcomes, strict=True)
    ]
    rows += [f"❔ **{escape_markdown(p.label)}**: no answer within {fanout.waited_s:.0f} s" for p in fanout.silent]
    if fanout.unnamed_silent:
        rows.append(f"❔ {fanout.unnamed_silent} more process(es) heard the request but did not answer")
    if fanout.degraded:
        rows.append("⚠️ Redis is unreachable: only this process reloaded; the others still serve the old files")
    head = f"**Processes:** {len(fanout.outcomes)} answered" + (
        f", {len(fanout.silent) + fanout.unnamed_silent} silent" if fanout.silent or fanout.unnamed_silent else ""
    )
    return "\n".join([head, *_fit_lines(_shortened(rows), budget - 40, used=discord_length(head))])


def _render_local_reload(report: ReloadReport) -> Reply:
    if report.busy:
        return render_notice(
            "Reload already running", "Another reload is in progress; try again when it finishes.", ephemeral=True
        )
    if not report.ok:
        text = "Still serving the previous knowledge base. Fix these and run `/reload` again:\n"
        if report.error:
            text += f"```\n{report.error.replace('`', chr(39))}\n```"
        else:
            text += _problem_block(report.errors, LIMITS.description - len(text))
        return render_notice("Reload failed", text, ephemeral=True, colour=ERROR_COLOUR)

    def names(ids: Sequence[str]) -> str:
        shown = ", ".join(f"`{i}`" for i in ids[:15])
        return shown + (f" and {len(ids) - 15} more" if len(ids) > 15 else "") if ids else "none"

    text = (
        f"**Added:** {names(report.added)}\n**Changed:** {names(report.changed)}\n"
        f"**Removed:** {names(report.removed)}\n"
        f"**Documents:** {report.documents} · **passages:** {report.passages_before} → {report.passages}"
        f" · **time:** {report.elapsed_ms / 1000:.2f} s"
    )
    colour = SUMMARY_COLOUR
    if report.skipped:
        text += f"\n\nSkipped {len(report.skipped)} bad file(s):\n" + _problem_block(report.errors, 1500)
        colour = WARNING_COLOUR
    return render_notice("Knowledge base reloaded", text, ephemeral=True, colour=colour)


def render_help(*, moderator: bool = False, feedback: bool = False) -> Reply:
    """One screen on what the bot does and how to ask."""
    text = (
        "I answer questions with **exact quotes** from the knowledge base, each credited to its author, "
        "publication and paragraph. I never paraphrase; if the articles don't say it, I tell you so.\n\n"
        "**/ask** `question` — the passages that answer it (`results` 1-5, `document` to search one, "
        "`private` to see it alone)\n"
        "**/summary** — a summary quoted sentence by sentence (`document`, `length` 1-10, `topic`)\n"
        "**/sources** — the documents I can quote\n"
        "**/help** — this screen\n\n"
        "You can also mention me with a question: `@me who wrote the article?`"
    )
    if feedback:
        text += (
            "\n\nThe **Helpful** / **Not helpful** buttons tell the moderators what to improve. "
            "**/forget-me** deletes the questions you asked and the votes you gave."
        )
    if moderator:
        text += "\n\n**/reload** — moderators: re-read the knowledge folder after editing it"
        if feedback:
            text += "\n**/gaps** — moderators: questions I could not answer well, grouped"
    return render_notice("How to ask", text, ephemeral=True, colour=ANSWER_COLOUR)


# -- feedback ---------------------------------------------------------------------------

# The whole state of a vote button: which answer, which way. Nothing else is needed after a
# restart, so the buttons keep working with nothing in memory (Discord allows 100 chars).
FEEDBACK_CUSTOM_ID = r"fb:(?P<answer>[A-Za-z0-9_-]{1,40}):(?P<vote>[yn])"
FORGET_CONFIRM_ID = "forget:confirm"
FORGET_CANCEL_ID = "forget:cancel"
_BUTTON_LABEL = 80
_CUSTOM_ID = 100
_ROW_BUTTONS = 5
_ROWS = 5
_GREY, _GREEN, _RED = 2, 3, 4  # Discord button styles: secondary, success, danger


def feedback_custom_id(answer_id: str, helpful: bool) -> str:
    """The custom_id of one vote button; raises ValueError for an id the template refuses."""
    custom_id = f"fb:{answer_id}:{'y' if helpful else 'n'}"
    if not re.fullmatch(FEEDBACK_CUSTOM_ID, custom_id):
        raise ValueError(f"answer id {answer_id[:50]!r} cannot go in a button")
    return custom_id


def _button(label: str, custom_id: str, style: int) -> dict[str, Any]:
    return {"type": 2, "style": style, "label": _shorten_plain(label, _BUTTON_LABEL), "custom_id": custom_id}


def _rows(*buttons: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """Buttons as action rows, within Discord's 5 per row and 5 rows."""
    if len(buttons) > _ROW_BUTTONS * _ROWS or any(len(b["custom_id"]) > _CUSTOM_ID for b in buttons):
        raise ValueError("too many buttons, or a custom_id too long, for one message")
    chunks = [buttons[i : i + _ROW_BUTTONS] for i in range(0, len(buttons), _ROW_BUTTONS)]
    return tuple({"type": 1, "components": list(chunk)} for chunk in chunks)


def render_feedback_buttons(answer_id: str) -> tuple[dict[str, Any], ...]:
    """The "Helpful" / "Not helpful" row under an answer (grey: a vote is not an action)."""
    return _rows(
        _button("Helpful", feedback_custom_id(answer_id, True), _GREY),
        _button("Not helpful", feedback_custom_id(answer_id, False), _GREY),
    )


def render_vote(result: VoteResult, helpful: bool) -> Reply:
    """The ephemeral acknowledgement of a click: the choice as now recorded, or why not."""
    choice = "helpful" if helpful else "not helpful"
    if result.outcome is VoteOutcome.RECORDED:
        text = f"Thanks — recorded: **{choice}**."
    elif result.outcome is VoteOutcome.CHANGED:
        text = f"Thanks — changed your vote to **{choice}**."
    elif result.outcome is VoteOutcome.UNCHANGED:
        text = f"You already said **{choice}**; one vote per person per answer."
    elif result.outcome is VoteOutcome.UNKNOWN_ANSWER:
        text = "That answer is no longer on record (records are kept for a limited time), so the vote was not counted."
    else:
        text = "Sorry, I couldn't record that just now; please try again later."
    colour = SUMMARY_COLOUR if result.recorded else WARNING_COLOUR
    return render_notice("Feedback", text, ephemeral=True, colour=colour)


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def _gap_line(group: GapGroup) -> str:
    question = escape_markdown(_shorten_plain(" ".join(group.question.split()), 300))
    times = "once" if group.count == 1 else f"{group.count} times"
    why = []
    if group.declined:
        why.append(f"{group.declined} not answered")
    if group.unhelpful:
        why.append(f"{group.unhelpful} voted not helpful")
    line = f"**{group.count}×** “{question}”\nseen {times}, last on {group.last_seen:%Y-%m-%d}"
    if why:
        line += f" ({', '.join(why)})"
    if group.documents:
        line += " · " + ", ".join(f"`{d}`" for d in group.documents[:3])
    if group.quote:
        shown = escape_markdown(_shorten_plain(" ".join(group.quote.split()), 200))
        line += f"\n> {shown}"
    return line


def render_gaps(report: GapReport) -> Reply:
    """The moderators' gap report: totals, then one line per question, most frequent first."""
    header = (
        f"**Asked:** {report.asked} · **answered:** {_share(report.answered, report.asked)}"
        f" · **voted helpful:** {_share(report.helpful_votes, report.votes)}"
        f" ({report.votes} vote{'s' if report.votes != 1 else ''})"
    )
    lines = [_gap_line(group) for group in report.groups]
    budget = LIMITS.description - discord_length(header) - 80
    none = "Nothing unanswered or voted not helpful in this period."
    body = _join_within(lines, budget, "questions") if lines else none
    title = f"Knowledge gaps, last {report.days} day{'s' if report.days != 1 else ''}"
    if report.document:
        title += f" in {report.document}"
    footer = f"Grouped by {report.grouping}; the quote is what was shown."
    if report.truncated:
        footer += " Only the most recent questions were grouped."
    embed = {
        "title": _shorten_plain(escape_markdown(title), LIMITS.title),
        "description": f"{header}\n\n{body}",
        "footer": {"text": footer},
        "color": WARNING_COLOUR if report.groups else SUMMARY_COLOUR,
    }
    return Reply(embeds=(embed,), ephemeral=True)


def render_forget_prompt() -> Reply:
    """Asked before removing a person's records: the removal cannot be undone."""
    text = (
        "This removes the questions you asked and the votes you gave from the feedback records, "
        "in every server this bot serves. It cannot be undone."
    )
    return render_notice("Forget me?", text, ephemeral=True, colour=WARNING_COLOUR)


def render_forget_buttons() -> tuple[dict[str, Any], ...]:
    """Confirm / Cancel under the /forget-me prompt."""
    return _rows(_button("Confirm", FORGET_CONFIRM_ID, _RED), _button("Cancel", FORGET_CANCEL_ID, _GREY))


def render_forget_done(removed: int | None) -> Reply:
    """What /forget-me did: how many records went, cancelled (None), or nothing stored."""
    if removed is None:
        return render_notice("Cancelled", "Nothing was removed.", ephemeral=True)
    text = f"Removed {removed} record{'s' if removed != 1 else ''}." if removed else "Nothing of yours was stored."
    return render_notice("Done", text, ephemeral=True, colour=SUMMARY_COLOUR)


# --- managing the knowledge base (/kb) ---------------------------------------------------

PREVIEW_PARAGRAPHS = 3
_OPTION_OF = {"title": "title", "author": "author", "publisher": "publisher"}


def _field(name: str, value: str, *, inline: bool = True) -> dict[str, Any]:
    return {"name": name, "value": _shorten_plain(value, LIMITS.field_value) or "-", "inline": inline}


def _first_paragraphs(paragraphs: Sequence[str], budget: int) -> str:
    """The opening paragraphs as block quotes, each cut at a word if long, within ``budget``."""
    lines: list[str] = []
    used = 0
    for number, paragraph in enumerate(paragraphs[:PREVIEW_PARAGRAPHS], 1):
        quote, _ = fit_quote(paragraph, (), [], min(700, budget - used - 12), f"¶{number} goes on")
        line = f"{quote} *(¶{number})*"
        if used + discord_length(line) + 2 > budget:
            break
        lines.append(line)
        used += discord_length(line) + 2
    rest = len(paragraphs) - len(lines)
    if rest > 0:
        lines.append(f"*… and {rest} more paragraph{'s' if rest != 1 else ''}*")
    return "\n\n".join(lines)


def render_kb_preview(prepared: Prepared, *, source: str) -> Reply:
    """What confirming would write: the fields, the paragraph count and the opening paragraphs."""
    draft = prepared.draft
    count = len(draft.paragraphs)
    action = f"Update `{prepared.doc_id}`?" if prepared.replaces else "Add this document?"
    fields = [
        _field("Title", escape_markdown(draft.title or "")),
        _field("Author", escape_markdown(draft.author or "")),
        _field("Publisher", escape_markdown(draft.publisher or "")),
        _field("Paragraphs", str(count)),
        _field("Id", f"`{prepared.doc_id}`"),
    ]
    if prepared.replaces:
        fields.append(_field("Replaces", f"`{prepared.doc_id}` (same source or id: it is updated, not duplicated)"))
    if draft.published:
        fields.append(_field("Published", escape_markdown(draft.published)))
    fields.append(_field("From", escape_markdown(_shorten_plain(source, 500)), inline=False))
    fixed = sum(discord_length(f["name"]) + discord_length(f["value"]) for f in fields)
    footer = "Nothing is written until you confirm."
    budget = min(LIMITS.description, LIMITS.embed_total - fixed - discord_length(action) - len(footer) - 50)
    embed = {
        "title": action,
        "description": _first_paragraphs(draft.paragraphs, budget) or "*(no paragraphs)*",
        "fields": fields,
        "footer": {"text": footer},
        "color": ANSWER_COLOUR,
    }
    return Reply(embeds=(embed,), ephemeral=True)


def render_kb_missing(missing: Sequence[str], *, source: str) -> Reply:
    """Refuse a source whose required fields nothing stated, naming the options that give them."""
    options = ", ".join(f"`{_OPTION_OF.get(name, name)}:`" for name in missing)
    text = (
        f"{escape_markdown(_shorten_plain(source, 300))} does not say its {', '.join(missing)}, and I won't invent "
        f"{'it' if len(missing) == 1 else 'them'}. Run `/kb add` again with {options}. Nothing was written."
    )
    return render_notice("Some details are missing", text, ephemeral=True, colour=WARNING_COLOUR)


def render_kb_remove_preview(document: Document, paragraphs: int) -> Reply:
    """What confirming a removal would delete."""
    meta = document.meta
    text = (
        f"**{escape_markdown(_shorten_plain(meta.title, 200))}**\n"
        f"{escape_markdown(_shorten_plain(meta.author, 100))}, {escape_markdown(_shorten_plain(meta.publisher, 100))}"
        f" · {paragraphs} paragraph{'s' if paragraphs != 1 else ''} · id `{document.doc_id}`\n\n"
        "Its file is deleted from the knowledge folder and the knowledge base reloads."
    )
    return render_notice(f"Remove `{document.doc_id}`?", text, ephemeral=True, colour=WARNING_COLOUR)


def render_kb_done(line: str, report: ReloadReport, fanout: FanoutReport | None = None) -> Reply:
    """The reload report after an add or a remove, headed by what was done (``line`` is escaped)."""
    embed = dict(render_reload(report, fanout).embeds[0])
    head = _shorten_plain(line, 500) + "\n\n"
    embed["description"] = head + _shorten_plain(embed["description"], LIMITS.description - discord_length(head))
    return Reply(embeds=(embed,), ephemeral=True)


def render_kb_list(documents: Sequence[Document]) -> Reply:
    """Each document's id, title, where it came from, and who added it when."""
    lines = []
    for document in documents:
        meta = document.meta
        line = f"`{document.doc_id}` **{escape_markdown(_shorten_plain(meta.title, 150))}**"
        source = meta.source or meta.url
        line += f"\nfrom {escape_markdown(_shorten_plain(source, 200))}" if source else "\nfrom a file on the host"
        if meta.added_by or meta.added_at:
            who = escape_markdown(_shorten_plain(meta.added_by or "someone", 100))
            line += f" · added by {who}" + (f" at {escape_markdown(meta.added_at)}" if meta.added_at else "")
        lines.append(line)
    return _document_list("Knowledge base", lines, len(documents), True)


def _document_list(heading: str, lines: list[str], count: int, ephemeral: bool) -> Reply:
    """One embed listing documents, a block each, cut to fit the description limit."""
    embed = {
        "title": f"{heading} ({count} document{'s' if count != 1 else ''})",
        "description": _join_within(lines, LIMITS.description - 60, "documents") or "No documents loaded.",
        "color": NOTICE_COLOUR,
    }
    return Reply(embeds=(embed,), ephemeral=ephemeral)
