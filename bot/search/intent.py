"""Whether a question asks for the document as a whole ("what is this article about?").

Such a question has no topic of its own: once the words that point at the document ("this
article", "the piece"), the function words and the vocabulary of asking for a summary
("gist", "main points", "sum up") are set aside, nothing is left. It deserves a summary,
not "ask a question in words". A question that keeps any word of its own ("what is Article
9 about?", "who wrote this article?") is an ordinary question.
"""

from __future__ import annotations

import re

from bot.search.lexicon import CHAT_NOISE, FRAMING, STOP_WORDS, SUMMARY_WORDS

__all__ = ["asks_for_summary"]

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# The document itself, when not already taken out by FRAMING ("what's this about?", "sum it up").
_POINTERS = frozenset("this it article piece text story document doc essay op ed".split())


def asks_for_summary(cleaned: str) -> bool:
    """True when the question, stripped of the document and of summary words, says nothing else."""
    framed = FRAMING.search(cleaned) is not None
    words = [w.lower().replace("’", "'").split("'")[0] for w in _WORD.findall(FRAMING.sub(" ", cleaned))]
    if not words and framed:
        return False  # nothing but "the article": too little to act on
    rest = [w for w in words if w not in STOP_WORDS and w not in CHAT_NOISE and w not in SUMMARY_WORDS]
    if rest and not all(w in _POINTERS for w in rest):
        return False
    asked = any(w in SUMMARY_WORDS for w in words)
    about = "about" in words and (framed or any(w in _POINTERS for w in words))
    return asked or about
