"""Whether a question asks for the document as a whole ("what is this article about?").

Such a question has no topic of its own: once the words that point at the document ("this
article", "the piece"), the function words and the vocabulary of asking for a summary
("gist", "main points", "sum up") are set aside, nothing is left. It deserves a summary,
not "ask a question in words". A question that keeps any word of its own ("what is Article
9 about?", "who wrote this article?") is an ordinary question.

Users also ask for the whole in words no list foresees ("what's this piece arguing?",
"the bottom line?"). With the semantic layer, a question that would otherwise be declined
is taken as a summary request when its meaning is close to one of a few plain requests
for a summary: only then, so an ordinary question the documents answer is never diverted.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from enum import Enum

import numpy as np

from bot.search.lexicon import CHAT_NOISE, FRAMING, STOP_WORDS, SUMMARY_WORDS

__all__ = ["SUMMARY_LIKENESS", "SUMMARY_REQUESTS", "Place", "asked_place", "asks_for_summary", "summary_likeness"]

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


# Plain requests for the document as a whole, one per way of asking (topic, argument,
# conclusion, gist): what a question's meaning is compared with.
SUMMARY_REQUESTS = (
    "What is this article about?",
    "Summarize the document.",
    "What is the main argument of this piece?",
    "What does the author conclude?",
    "Give me the gist.",
    "What is the overall topic?",
)
# A declined question at least this close (cosine) to a request above gets the summary.
# Chosen on our questions about whole documents against the rest (bench/eval_quality.py):
# requests scored 0.66-0.71, questions it declines otherwise at most 0.38.
SUMMARY_LIKENESS = 0.5


@functools.lru_cache(maxsize=4)
def _requests(encode: Callable[[Sequence[str]], np.ndarray]) -> np.ndarray:
    return encode(list(SUMMARY_REQUESTS))


def summary_likeness(question: np.ndarray, encode: Callable[[Sequence[str]], np.ndarray]) -> float:
    """How close an encoded question is to the nearest plain request for a summary (cosine)."""
    return float(np.max(_requests(encode) @ question))


class Place(Enum):
    """The part of a document a question points at by where it is, not by what it says."""

    START = "start"
    END = "end"


# What a place belongs to: the document, or its author speaking in it.
_WHOLE = r"(?:article|piece|peice|op[- ]?ed|essay|column|story|text|document|post|writer|author)"

# Not "of" something other than the text: "the last line of defence", "the end of ww2".
_NOT_OF = r"(?!\s+of\s+(?!(?:the|this|that|its)\s+" + _WHOLE + r"\b))"
# "the last line", "its closing paragraph", "the final takeaway"; not "last spring".
_PART = (
    r"\b{}\s+(?:line|lines|sentence|sentences|paragraph|paragraphs|para|bit|part|section|words?|thoughts?"
    r"|remarks?|point|takeaway|message|note)\b" + _NOT_OF
)
# "at the end", "right at the very end", "at the end of the piece"; not "at the end of ww2".
_AT = r"\b(?:at|near|towards?)\s+the\s+(?:very\s+)?{}\b" + _NOT_OF
# "how does the writer wrap it up", "the op-ed ends by", "does the author sign off on":
# said of the document or its author, never of a deal ("the deal borrell wrapped up").
_DOES = (
    r"\b"
    + _WHOLE
    + r"(?:'s|’s)?\s+(?:\w+\s+)?(?:{})\b(?:\s+(?:it|things|it\s+all|everything|the\s+whole\s+thing)\s+up\b|\s+up\b)?"
)
_PLACES = (
    (
        Place.END,
        re.compile(
            "|".join(
                (
                    _AT.format("(?:end|close)"),
                    _PART.format("(?:last|final|closing|concluding|ending)"),
                    _DOES.format(
                        "end|ends|ending|finish|finishes|close|closes|conclude|concludes|wrap|wraps"
                        "|sign\\s+off|signs\\s+off"
                    ),
                    r"\bin\s+conclusion\b",
                )
            ),
            re.IGNORECASE,
        ),
    ),
    (
        Place.START,
        re.compile(
            "|".join(
                (
                    _AT.format("(?:start|beginning|outset)"),
                    _PART.format("(?:first|opening|introductory)"),
                    _DOES.format("start|starts|open|opens|begin|begins|kick\\s+off|kicks\\s+off"),
                )
            ),
            re.IGNORECASE,
        ),
    ),
)


def asked_place(text: str) -> tuple[Place | None, str]:
    """The place a question points at ("in the last line", "how does the op-ed end"), and the question without it.

    "how does the writer wrap it all up in the last line" shares no word with the article's
    last line: what it asks is where, and no wording or meaning of that line can find it.
    The words that say where are closed-class (the parts and ends of any text: "line",
    "paragraph", "end", "opening"), so they are read as grammar, here, for any document,
    and taken out of what is matched against the texts. A question pointing at both ends
    points at neither.
    """
    found = [(place, pattern) for place, pattern in _PLACES if pattern.search(text)]
    if len(found) != 1:
        return None, text
    place, pattern = found[0]
    return place, " ".join(pattern.sub(" ", text).split())
