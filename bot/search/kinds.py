"""Whether a question asks for a time ("when did…", "in what year…"), and which sentences say one.

The oldest device of question answering: a sentence can only answer "when did Japan join
the UN?" if it says when, whatever else it shares with the question. The kind is read from
the question's grammar (its wh-word and the auxiliary after it), never from its topic, and
a sentence says when if it holds a year, a century or a month the question does not
already hold ("in 1956" answers "when"; "the 1956 declaration" asked about does not).
Numbers ("how many…") were measured the same way and left out: section numbers and
versions are everywhere, and the preference lost as often as it won (docs/benchmarks.md).
"""

from __future__ import annotations

import re

__all__ = ["asks_when", "says_when"]

_WH = re.compile(r"\b(what|which|who|whom|whose|when|where|why|how)\b", re.IGNORECASE)
_AUX = r"(?:did|does|do|was|were|is|are|will|would|could|can|has|have|had|should|shall|may|might|must)"
# "when did…", "when was…", "when's…": "when" as the question's own word, not "what happens when I…".
_WHEN = re.compile(rf"when\s+{_AUX}\b|when['’]s\b", re.IGNORECASE)
# "in what year", "which decade", "what date", "since when", "how long ago".
_TIME_NOUN = re.compile(
    r"\b(?:what|which)\s+(?:year|years|decade|century|date|month|day|period|era)\b|\bsince\s+when\b|\bhow\s+long\s+ago\b",
    re.IGNORECASE,
)
_MONTHS = "January February March April May June July August September October November December"
# A year (1000-2099, or a decade such as "1960s"), a century, or a month's name.
_TIME = re.compile(r"\b(?:1\d{3}|20\d{2})s?\b|\bcentur(?:y|ies)\b|\b(?:" + "|".join(_MONTHS.split()) + r")\b")


def asks_when(question: str) -> bool:
    """True when ``question`` asks for a time: a time noun after what/which, or a first wh-word "when" + auxiliary."""
    if _TIME_NOUN.search(question):
        return True
    first = _WH.search(question)
    return first is not None and first.group(1).lower() == "when" and _WHEN.match(question, first.start()) is not None


def says_when(sentence: str, question: str) -> bool:
    """True when ``sentence`` holds a time that ``question`` does not hold."""
    asked = {m.group(0).lower() for m in _TIME.finditer(question)}
    return any(m.group(0).lower() not in asked for m in _TIME.finditer(sentence))
