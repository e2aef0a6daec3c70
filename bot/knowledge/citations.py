"""How a quote is credited: the citation line and the deep link, shared by every surface."""

from __future__ import annotations

from urllib.parse import quote as percent_encode

from bot.knowledge.documents import Document
from bot.knowledge.passages import Passage

__all__ = ["citation", "paragraph_label", "quote_link"]

# Text fragments over this many characters are written as start,end words instead.
_FRAGMENT_WHOLE = 80
_FRAGMENT_WORDS = 4


def paragraph_label(passage: Passage) -> str:
    """Cite a body passage by its paragraph ("¶3") and the front-matter passage as such."""
    return f"¶{passage.paragraph}" if passage.paragraph is not None else "about this document"


def citation(document: Document, passage: Passage) -> str:
    """Author, “Title”, publisher and paragraph, in one line."""
    meta = document.meta
    return f"{meta.author}, “{meta.title}”, {meta.publisher}, {paragraph_label(passage)}"


def quote_link(document: Document, quote: str) -> str | None:
    """The document URL with a ``#:~:text=`` fragment that scrolls to the quote, if it has a URL.

    Long quotes use the ``start,end`` form (first and last few words) so the link stays
    short; both parts are percent-encoded, including the ``-``, ``,`` and ``&`` that the
    fragment syntax reserves.
    """
    url = document.meta.url
    if not url:
        return None
    base = url.split("#", 1)[0]
    words = quote.split()
    if len(quote) <= _FRAGMENT_WHOLE or len(words) <= 2 * _FRAGMENT_WORDS:
        fragment = _encode(" ".join(words))
    else:
        start = " ".join(words[:_FRAGMENT_WORDS])
        end = " ".join(words[-_FRAGMENT_WORDS:])
        fragment = f"{_encode(start)},{_encode(end)}"
    return f"{base}#:~:text={fragment}"


def _encode(text: str) -> str:
    return percent_encode(text, safe="").replace("-", "%2D")
