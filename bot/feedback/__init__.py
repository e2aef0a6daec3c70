"""Feedback store: answers, helpful votes and the knowledge-gap report, in SQLite or PostgreSQL.

May import bot.knowledge and bot.search only (never discord, never the adapter or serving).
"""

from bot.feedback.factory import FeedbackSettings, open_feedback_store
from bot.feedback.grouping import MEANING_THRESHOLD, WORD_OVERLAP, Embed, group_by_meaning, group_by_words
from bot.feedback.store import (
    DEFAULT_RETENTION_DAYS,
    AnswerRecord,
    DayTotals,
    DocumentTotals,
    FeedbackError,
    FeedbackStore,
    GapGroup,
    GapReport,
    Outcome,
    Totals,
    VoteOutcome,
    VoteResult,
    load_key,
)

__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "MEANING_THRESHOLD",
    "WORD_OVERLAP",
    "AnswerRecord",
    "DayTotals",
    "DocumentTotals",
    "Embed",
    "FeedbackError",
    "FeedbackSettings",
    "FeedbackStore",
    "GapGroup",
    "GapReport",
    "Outcome",
    "Totals",
    "VoteOutcome",
    "VoteResult",
    "group_by_meaning",
    "group_by_words",
    "load_key",
    "open_feedback_store",
]
