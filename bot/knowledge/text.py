"""Plain-text helpers: sentence spans with offsets, and cleaning of what people type.

Every span is a pair of offsets into the text it came from, so a quote can always be
traced back with ``text[span.start:span.end]`` and never needs re-joining.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "Span",
    "clean_question",
    "has_words",
    "sentence_bounds",
    "split_sentences",
    "strip_invisible",
    "trim",
    "unwrap",
]


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """Half-open character range ``[start, end)`` into a known text."""

    start: int
    end: int

    def of(self, text: str) -> str:
        """The text this span covers."""
        return text[self.start : self.end]


# Words that end with a full stop without ending the sentence.
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms mx dr prof st sr jr gen sen rep gov lt col capt cpt sgt maj adm rev hon pres
    mt ft no nos art fig figs vol vols pp ed eds approx est cf al vs etc ie eg viz
    jan feb mar apr jun jul aug sep sept oct nov dec inc ltd co corp bros dept univ assn
    """.split()
)
# Capitalised words that usually start a sentence, used after a dotted acronym ("U.S.").
_SENTENCE_STARTERS = frozenset(
    "the a an but and in it this that these those there he she they we i its his her their "
    "however yet so if when while after before since as on at for".split()
)
_OPENERS = "\"'“‘([«¿¡"
_CLOSERS = "\"'’”)]»"
# Terminal punctuation and closing quotes, with the next non-space character (if any) captured.
_BOUNDARY = re.compile(rf"[.!?…]+[{re.escape(_CLOSERS)}]*(?:(?=\s+(\S))|(?=\s*$))")
_LIST_ITEM = re.compile(r"\n[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+")
_DOTTED_ACRONYM = re.compile(r"(?:[A-Za-z]\.){2,}$")
_LEADING_WORD = re.compile(r"\s*([A-Za-z]+)")
_STARTS = _OPENERS + "—–-•*"


def _is_boundary(text: str, punct_start: int, punct_end: int, nxt: str | None) -> bool:
    """Decide whether the punctuation at ``text[punct_start:punct_end]`` ends a sentence.

    ``nxt`` is the first non-space character after it (None at the end of the text).
    """
    if nxt is None:
        return True
    if not (nxt.isupper() or nxt.isdigit() or nxt in _STARTS):
        return False
    if text[punct_start] != "." or not text[punct_start - 1 : punct_start].isalpha():
        return True
    if punct_start >= 7 and text[punct_start - 7 : punct_start].isalpha():
        return True  # a long word: no abbreviation, initial or acronym is that long
    # The word before the stop; abbreviations, initials and dotted acronyms are short.
    window = max(0, punct_start - 12)
    space = max(text.rfind(" ", window, punct_start), text.rfind("\n", window, punct_start))
    if space < 0 and window > 0:
        return True
    head = text[space + 1 : punct_start + 1].lstrip(_OPENERS)
    word = head.rstrip(".").rsplit(".", 1)[-1]
    if _DOTTED_ACRONYM.search(head):
        following = _LEADING_WORD.match(text, punct_end)
        return bool(following and following.group(1).lower() in _SENTENCE_STARTERS)
    if word.lower() in _ABBREVIATIONS:
        return False
    if len(word) == 1 and nxt.isdigit():
        return False  # a lone letter before a number: "v. 2.0", "p. 12", "c. 1066"
    # A lone capital initial such as the "J." in "J. Smith".
    return not (len(word) == 1 and word.isupper())


def sentence_bounds(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets in ``text[start:end]``, trimmed of white space.

    The fast form of ``split_sentences`` used when indexing: plain tuples, no copies of the
    text, one regular-expression pass.
    """
    end = len(text) if end is None else end
    cuts = [m.end() for m in _BOUNDARY.finditer(text, start, end) if _is_boundary(text, m.start(), m.end(), m.group(1))]
    if text.find("\n", start, end) >= 0:
        cuts.extend(m.start() for m in _LIST_ITEM.finditer(text, start, end))
        cuts = sorted(set(cuts))
    bounds: list[tuple[int, int]] = []
    previous = start
    for cut in [*cuts, end]:
        lo, hi = previous, cut
        while lo < hi and text[lo].isspace():
            lo += 1
        while hi > lo and text[hi - 1].isspace():
            hi -= 1
        if hi > lo:
            bounds.append((lo, hi))
        previous = cut
    return bounds


def split_sentences(text: str, start: int = 0, end: int | None = None) -> tuple[Span, ...]:
    """Split ``text[start:end]`` into sentence spans, trimmed of surrounding white space.

    Handles what news prose has: abbreviations and initials, decimal numbers, closing quotes
    after the full stop, hyphenated words ("EU-Japan", "post-1945", "U-turn") and dashes,
    which never end a sentence, and list items on their own lines.
    """
    return tuple(Span(lo, hi) for lo, hi in sentence_bounds(text, start, end))


def trim(text: str, start: int, end: int) -> Span | None:
    """Shrink ``[start, end)`` past white space at both ends; None when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


# A line break inside a paragraph, with the spaces around it, unless the next line starts a
# list item. Possessive quantifiers: the spaces before a list marker cannot be given back.
_WRAPPED = re.compile(r"[ \t]*+\r?\n[ \t]*+(?![-*+•][ \t]|\d{1,3}[.)][ \t]|[\r\n])")


def unwrap(text: str) -> str:
    """Hard-wrapped prose as it reads: each line break inside a paragraph shown as one space.

    For display only (quotes and summaries on every surface); quotes themselves stay exact
    slices of the document. Only white space changes, so what is shown has the same words,
    in the same order, as the source: ``unwrap(q).split() == q.split()`` always holds. A
    line that starts a list item keeps its line break.
    """
    return _WRAPPED.sub(" ", text)


# --- questions -------------------------------------------------------------------------

_DISCORD_TOKENS = re.compile(
    r"<@[!&]?\d+>"  # user and role mentions
    r"|<#\d+>"  # channel mentions
    r"|<a?:\w{1,64}:\d+>"  # custom emoji
    r"|<t:-?\d+(?::[tTdDfFR])?>"  # timestamps
    r"|</[\w\- ]{1,100}:\d+>"  # slash-command mentions
    r"|<id:\w+>"  # guild navigation
    r"|@(?:everyone|here)\b",
    re.IGNORECASE,
)
_URL = re.compile(r"<?(?:https?://|www\.)[^\s<>]*>?", re.IGNORECASE)
_MASKED_LINK = re.compile(r"\[([^\[\]\n]{0,300})\]\(\s*<?[^()\s]*>?\s*\)")
_LINE_MARKUP = re.compile(r"^[ \t]*(?:>>>|>|-#|#{1,6}|[-*+•]|\d{1,3}[.)])[ \t]+", re.MULTILINE)
_CODE_FENCE = re.compile(r"```[\w+-]{0,20}\n?")
_INLINE_MARKUP = re.compile(r"\*+|`+|~~|\|\||(?<!\w)_+|_+(?!\w)")
_SPACES = re.compile(r"\s+")


def strip_invisible(text: str) -> str:
    """Replace control, format (zero-width, bidi) and unassigned characters by spaces."""
    if text.isprintable():
        return text  # no character of category C: every question pays this check, few the loop
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] == "C" and ch not in "\n\t":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def clean_question(raw: str) -> str:
    """Reduce a pasted Discord message to the words of the question.

    Mentions, emoji, URLs, Markdown and invisible characters are removed, masked links keep
    their text and white space is collapsed. The result can be empty; ``has_words`` tells.
    """
    text = unicodedata.normalize("NFKC", strip_invisible(raw))
    text = _DISCORD_TOKENS.sub(" ", text)
    text = _MASKED_LINK.sub(r" \1 ", text)
    text = _URL.sub(" ", text)
    text = _CODE_FENCE.sub(" ", text)
    text = _LINE_MARKUP.sub(" ", text)
    text = _INLINE_MARKUP.sub(" ", text)
    text = text.replace("@", " ")
    return _SPACES.sub(" ", text).strip()


def has_words(text: str) -> bool:
    """True when the text has at least one letter or digit."""
    return any(ch.isalnum() for ch in text)
