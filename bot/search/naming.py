"""Words of a question that name a document rather than ask about it.

"can i use apache code in a closed source app" says which document it means with "apache";
the clause that answers it (the copyright grant) never says "Apache". Scored as a content
word, the name picks the few sentences that repeat it (a title line, an appendix heading, a
preamble) over the clause that answers. A document's title and id are the context of every
one of its passages, the way a heading is the context of the paragraphs below it: a name
word counts as present in every passage of the document it names, and its meaning is taken
out of the question's vector before sentences are compared with it.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

import numpy as np

from bot.search.index import Index
from bot.search.lexicon import english_frequency
from bot.search.query import Concept, Match, Query
from bot.search.spelling import osa_distance, spelling_variants
from bot.search.tokenizer import Analyzer, Word
from bot.search.vectors import Encode

__all__ = [
    "Names",
    "absent_name",
    "document_names",
    "name_words",
    "spelling_terms",
    "unglued",
    "unknown_title",
    "without_name_meaning",
]

# A numeral ("3" of "GPL-3", "2.0") names nothing by itself: "section 3" is not GPL-3.
_NUMERAL = re.compile(r"^[\d.]+$")
# Closed-class words that open a noun phrase (grammar, not topic): a name may follow them.
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "these", "those", "my", "our", "your", "their", "its"})
# How far back from a kind word a name may start: "gnu affero general public license".
_NAME_WORDS = 4
# A name with its version glued on, as people type it: "gplv3", "gpl3", "mpl2".
_GLUED = re.compile(r"([a-z]+?)(v?\d+(?:\.\d+)*)", re.IGNORECASE)
# A version as typed ("3", "2.0", "v3"), and its value with trailing ".0"s dropped ("2.0" -> "2").
_VERSION = re.compile(r"v?(\d+(?:\.\d+)*)", re.IGNORECASE)
_NUMBERS = re.compile(r"\d+(?:\.\d+)*")
_TRAILING_NUMBER = re.compile(r"\d+(?:\.\d+)*$")
_HYPHENATED_NUMBER = re.compile(r"[^\W\d_][‑\-]\d+$")
# Passages read to tell whether a run of words is ever said together; past this many holding
# all its words, it is taken as said (a name rule must never decline on a guess).
_PHRASE_PASSAGES = 2000
# A title's ending this long names it alone ("open database license"); "public license" is a kind.
_ENDING_WORDS = 3

_cache: weakref.WeakKeyDictionary[Index, Names] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Names:
    """Term id -> position of the one document that term names, and those terms as text."""

    terms: Mapping[int, int]
    words: frozenset[str] = frozenset()
    unheld: Mapping[str, int] = field(default_factory=dict)  # id words no text holds ("lgpl")
    kinds: frozenset[str] = frozenset()  # title terms of several documents ("licens"): what they are
    heads: frozenset[str] = frozenset()  # kinds a title puts right after a name ("Public License", not ", version")
    owners: Mapping[str, int] = field(default_factory=dict)  # each name word -> the document it names
    versions: Mapping[int, frozenset[str]] = field(default_factory=dict)  # position -> its version numerals ("3")
    titles: Mapping[tuple[str, ...], int] = field(default_factory=dict)  # a title's terms before its comma -> whose
    openings: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)  # first term -> ``titles`` keys

    def spelled_out(self, words: Sequence[Word], analyzer: Analyzer | None = None) -> dict[str, int]:
        """The terms of the question ``words`` that spell out a title, each -> the document it names.

        "GNU General Public License version 1", asked of GPL-1, LGPL-2 and the GFDL, holds no
        word that names one of them alone: every word is in two titles. As a run, it is
        GPL-1's title (the LGPL's has "Library" in it), so its words name GPL-1 as a unique
        title word would, and the version after them is the rest of the name. A title's
        last three words or more name it too when no other title ends so ("open database
        license" of "ODC Open Database License"), and with ``analyzer`` a word may be
        spelt either way ("open software licence" is the Open Software License).
        """
        if not self.titles:
            return {}
        said = [w for w in words if w.terms]
        choices = [{w.terms[0], *(spelling_terms(analyzer, w.base) if analyzer is not None else ())} for w in said]
        matched = {
            title
            for i, first in enumerate(choices)
            for term in first
            for title in self.openings.get(term, ())
            if i + len(title) <= len(choices) and all(t in choices[i + k] for k, t in enumerate(title))
        }
        found: dict[str, int] = {}
        for title in sorted(matched, key=self.titles.__getitem__):
            for term in title:
                found.setdefault(term, self.titles[title])
        return found

    def named(self, term_ids: frozenset[int]) -> dict[int, int]:
        """The question's name terms and the document each names."""
        return {t: self.terms[t] for t in term_ids if t in self.terms}

    def take_unheld(self, query: Query, analyzer: Analyzer) -> tuple[Query, frozenset[int]]:
        """``query`` without the id words no text holds, and the documents those words name.

        Left in, such a word is a rare word found nowhere (it would cut every passage's
        coverage) or is "corrected" to a near term of another document ("lgpl" -> gpl).
        """
        if not self.unheld:
            return query, frozenset()
        kept, named = [], set()
        for concept in query.concepts:
            position = self.unheld.get(analyzer.term(concept.surface))
            if position is None:
                kept.append(concept)
            else:
                named.add(position)
        return (Query(tuple(kept)) if named else query), frozenset(named)

    def take_versions(self, query: Query, words: Sequence[Word], spelled: Mapping[str, int] | None = None) -> Query:
        """``query`` without the numerals that are the version of a document it names ("gpl 3", "mpl 2.0").

        A numeral is among the most informative words a question can hold, so "3" of "gpl 3:
        shipping only binaries…" ranks the clauses that say "version 3" over the one that
        answers. Right after the name, or after the title's kind words that follow it
        ("apache license version 2.0"), it is the rest of the name. Any other numeral, and
        a version the named document does not have ("gpl 2" asked of GPL-3), is a word.
        """
        owners = self._owners(spelled)
        versions: set[str] = set()
        for at, _, owner, number in self._named_versions(words, owners):
            if self._has(owner, number):
                # "gpl-3" and "epl-2" of "EPL-2.0" hold their numeral as a part of the word.
                versions.update(_version_parts(words, at))
        if not versions:
            return query
        return Query(tuple(c for c in query.concepts if c.surface not in versions))

    def missing_version(self, text: str, words: Sequence[Word], spelled: Mapping[str, int] | None = None) -> str:
        """The name and version as typed ("mpl 2.0") when the named document is another version of it.

        Asked "what does the mozilla public license 2.0 say…" of MPL-1.1, the nearest clause
        is 1.1's: another licence's terms, as surely as the MIT licence's would be. The
        version must follow the name as ``take_versions`` reads it, the document must state
        versions of its own, none may be it or start it ("mpl 1" is 1.1's), and no other word
        of the question may name a document.
        """
        owners = self._owners(spelled)
        for at, back, owner, number in self._named_versions(words, owners):
            if self.versions.get(owner) and not self._has(owner, number):
                # From the name's first word: "mozilla public license 2.0", not "license 2.0".
                while (
                    back > 0
                    and (terms := set(words[back - 1].terms))
                    and all(owners.get(t) == owner or t in self.kinds for t in terms)
                ):
                    back -= 1
                # "besides the GPL 2.0" in a question that names the MPL, or "library gpl v2"
                # (the Library GPL, held): a version mentioned beside a named document is a topic.
                others = (w for i, w in enumerate(words) if not back <= i <= at)
                if any(t in owners and t not in self.kinds for w in others for t in w.terms):
                    return ""
                return text[words[back].start : words[at].end]
        return ""

    def _has(self, owner: int, number: str) -> bool:
        """Whether ``number`` is one of the document's versions, or their leading part ("1" of "1.1")."""
        return any(v == number or v.startswith(f"{number}.") for v in self.versions.get(owner, ()))

    def _owners(self, spelled: Mapping[str, int] | None) -> Mapping[str, int]:
        """Each name word -> its document, with a spelled-out title's words (ids and titles win)."""
        return {**spelled, **self.owners} if spelled else self.owners

    def _named_versions(self, words: Sequence[Word], owners: Mapping[str, int]) -> Iterator[tuple[int, int, int, str]]:
        """(numeral's position, name word's position, named document, version) for each numeral after a name."""
        if not self.versions:
            return
        for at, word in enumerate(words):
            number = _version(word.base)
            if number is None:
                # "GPL-3", as an id is typed: the name and its version are one word.
                if (own := _hyphen_version(word)) is None or _glued_after(words, at):
                    continue
                owner = next((owners[t] for t in word.terms[1:] if t in owners), None)
                if owner is not None and (number := _version(own)) is not None:
                    yield at, at, owner, number
                continue
            # "MPL-2.0" is read as "mpl-2" and "0": the numeral right after a dot is the rest
            # of the version that ends the word before it ("2.0"), not a version of its own.
            if at and _glued_after(words, at - 1) and (lead := _TRAILING_NUMBER.search(words[at - 1].base)):
                number = _version(f"{lead.group()}.{word.base}") or number
            for back in range(at - 1, max(at - 1 - _NAME_WORDS, -1), -1):
                owner = next((owners[t] for t in words[back].terms if t in owners), None)
                if owner is not None:
                    yield at, back, owner, number
                    break
                if not words[back].terms or not set(words[back].terms) <= self.kinds:
                    break


def document_names(index: Index, analyzer: Analyzer) -> Names:
    """The name terms of ``index``'s documents, computed once per index.

    A term names a document of several when it is in that document's title or id and in no other
    document's ("license" in three licence titles names none of them). A title word must
    also be held mostly by that document's passages: "mean" in the article's title "What
    does … actually mean?" is a definition word all over a licence, so it names nothing
    there. So must an id word, unless its document never uses it: then it is only the
    document's short name, and another text that says it is quoting the name ("gpl-2":
    the GPL's own text never says "GPL", the LGPL's preamble does). A Title Case title's
    initials count as id words ("fdl"), and a byline's proper names as title words
    ("euobserv"), never as kinds.
    """
    with _lock:
        found = _cache.get(index)
    if found is not None:
        return found
    owners: dict[str, set[int]] = {}
    from_id: set[str] = set()
    closing: set[str] = set()  # title terms right after another word, no punctuation between
    bylines: dict[str, set[int]] = {}
    spelled_alike: dict[str, set[str]] = {}  # a title term -> the terms of its other spellings
    # With one document there is nothing to choose between, and its title words are its topic.
    for position, document in enumerate(index.documents if len(index.documents) > 1 else ()):
        id_terms = set(analyzer.terms(document.doc_id.replace("-", " "))) | _acronyms(document.meta.title, analyzer)
        for term in id_terms | set(analyzer.terms(document.meta.title)):
            if not _NUMERAL.match(term):
                owners.setdefault(term, set()).add(position)
        for word in analyzer.words(document.meta.title):
            if word.terms:
                spelled_alike.setdefault(word.terms[0], set()).update(spelling_terms(analyzer, word.base))
        closing.update(_closing_terms(document.meta.title, analyzer))
        from_id.update(id_terms)
        for term in _proper_terms(f"{document.meta.author} {document.meta.publisher}", analyzer):
            bylines.setdefault(term, set()).add(position)
    # "Licence" in one title and "License" in two is one kind word in two spellings.
    for term, docs in list(owners.items()):
        for variant in spelled_alike.get(term, ()):
            if variant in owners and variant != term:
                owners[term] = owners[term] | owners[variant]
                owners[variant] = owners[variant] | docs
    kinds = frozenset(term for term, docs in owners.items() if len(docs) > 1)
    # "the EUobserver article", "Blewett-Mundy's piece": a proper name in the byline names
    # its document too, where it is no other document's and no title's shared word.
    for term, docs in bylines.items():
        if len(docs) == 1 and owners.get(term, docs) == docs:
            owners[term] = docs
    terms: dict[int, int] = {}
    unheld: dict[str, int] = {}
    for term, docs in owners.items():
        if len(docs) != 1:
            continue
        position = next(iter(docs))
        term_id = index.vocab.get(term)
        if term_id is None:
            if term in from_id and term.isalpha():
                unheld[term] = position
            continue
        postings, _ = index.column(term_id)
        lo, hi = int(index.first[position]), int(index.first[position + 1])
        inside = int(np.count_nonzero((postings >= lo) & (postings < hi)))
        if inside * 2 >= len(postings) or (inside == 0 and term in from_id):
            terms[term_id] = position
    owned = {index.terms[t]: position for t, position in terms.items()} | unheld
    versions = {
        position: frozenset(v for v in map(_version, _NUMBERS.findall(f"{d.doc_id} {d.meta.title}")) if v)
        for position, d in enumerate(index.documents)
    }
    # A title spelled out names its document even when every word of it is in another title;
    # one that several documents share ("Synthetic document 1", "… 2") names none of them.
    phrases: dict[tuple[str, ...], list[int]] = {}
    endings: dict[tuple[str, ...], set[int]] = {}  # a title's last three words or more
    for position, d in enumerate(index.documents if len(index.documents) > 1 else ()):
        if len(phrase := _title_phrase(d.meta.title, analyzer)) >= 2:
            phrases.setdefault(phrase, []).append(position)
            for start in range(1, len(phrase) - _ENDING_WORDS + 1):
                endings.setdefault(phrase[start:], set()).add(position)
    titles = {phrase: positions[0] for phrase, positions in phrases.items() if len(positions) == 1}
    for ending, positions in endings.items():
        if len(positions) == 1 and ending not in phrases:
            titles[ending] = next(iter(positions))
    openings: dict[str, list[tuple[str, ...]]] = {}
    for title in titles:
        openings.setdefault(title[0], []).append(title)
    found = Names(
        terms,
        frozenset(owned),
        unheld,
        kinds,
        kinds & closing,
        owned,
        versions if owned or titles else {},
        titles,
        {term: tuple(these) for term, these in openings.items()},
    )
    with _lock:
        _cache[index] = found
    return found


def _proper_terms(text: str, analyzer: Analyzer) -> set[str]:
    """Terms of ``text``'s words that are not English words ("EUobserver", "Netscape"; not "Free")."""
    english = english_frequency()
    return {t for w in analyzer.words(text) if w.base not in english for t in w.terms if t.isalpha()}


def _acronyms(title: str, analyzer: Analyzer) -> set[str]:
    """Short names a Title Case title is known by: its initials, and those after its first word.

    "GNU Free Documentation License" is "GFDL" and "FDL", "Mozilla Public License" is
    "MPL": people type these, and read as an unknown word before "version" the question
    would name a document we lack. Sentence-case titles (an article's headline) have none,
    and an initialism that is an English word ("cat") is left as the word.
    """
    words = [w for w in title.split(",")[0].split() if not _NUMERAL.match(w)]
    if len(words) < 3 or not all(w[0].isupper() for w in words):
        return set()
    initials = "".join(w[0] for w in words).lower()
    english = english_frequency()
    return {analyzer.term(a) for a in (initials, initials[1:]) if len(a) >= 3 and a.isalpha() and a not in english}


def _title_phrase(title: str, analyzer: Analyzer) -> tuple[str, ...]:
    """A title's words before its first comma, read as a question's are (one term a word, no numerals)."""
    return tuple(w.terms[0] for w in analyzer.words(title.split(",")[0]) if w.terms and not _NUMERAL.match(w.terms[0]))


def _hyphen_version(word: Word) -> str | None:
    """The numeral that ends a hyphenated word ("3" of "gpl-3", "2" of "epl-2"), else None."""
    if len(word.terms) < 3 or not _HYPHENATED_NUMBER.search(word.base):
        return None
    last = word.terms[-1]
    return last if _NUMERAL.match(last) else None


def _glued_after(words: Sequence[Word], at: int) -> bool:
    """True when a numeral follows ``words[at]`` across one dot: "eupl-1" + "2" of "EUPL-1.2"."""
    return at + 1 < len(words) and words[at].end + 1 == words[at + 1].start and _version(words[at + 1].base) is not None


def _version_parts(words: Sequence[Word], at: int) -> set[str]:
    """The concept surfaces of the version at ``words[at]``: the numeral word, and a hyphenated part before it."""
    word = words[at]
    if _version(word.base) is None:
        return {own} if (own := _hyphen_version(word)) is not None else set()
    parts = {word.base}
    if at and _glued_after(words, at - 1) and (own := _hyphen_version(words[at - 1])) is not None:
        parts.add(own)
    return parts


def _version(text: str) -> str | None:
    """The value of a version numeral ("v2.0" -> "2"), or None when ``text`` is not one."""
    match = _VERSION.fullmatch(text)
    if match is None:
        return None
    value = match.group(1)
    while value.endswith(".0"):
        value = value[:-2]
    return value


def _closing_terms(title: str, analyzer: Analyzer) -> set[str]:
    """Terms of ``title`` that follow another word with only a space between ("License" of "Public License")."""
    tokens = title.split()
    return {term for before, token in pairwise(tokens) if before[-1].isalnum() for term in analyzer.terms(token)[:1]}


def absent_name(
    text: str, query: Query, analyzer: Analyzer, names: Names, index: Index, words: Sequence[Word] | None = None
) -> str:
    """The words of ``text`` naming a document of a kind the knowledge base holds, but not held.

    "does the mit license require attribution", asked of three other licences, gets the
    clause that reads most like an answer (Apache's attribution notices): true of Apache,
    not what was asked. The words right before a kind word of the titles ("license" in
    three licence titles) name which one is meant; when one of them is in no text, no title
    and no spelling of either, and is not an English word (so "my closed license" and "the
    hacked version" describe rather than name), it names a document we don't have. A name
    may run over several words ("bsd 3-clause license"): the look-back crosses words that
    are not plain English ("3-clause") or are title words ("general public"), and stops at
    the first plain English word or determiner. Returns the words as typed ("mit
    license"), or "" when the question names none. A hyphenated word names one when
    neither it nor any part of it is in the texts ("by-sa license", not "open-source").
    ``words`` are ``analyzer.words(text)`` when the caller has read them already.
    """
    if not names.kinds:
        return ""
    concepts = {c.surface: c for c in query.concepts}
    english = english_frequency()
    words = list(analyzer.words(text)) if words is None else list(words)
    for at, kind in enumerate(words):
        if at == 0 or not _is_kind(kind, analyzer, names.kinds):
            continue
        for back in range(at - 1, max(at - 1 - _NAME_WORDS, -1), -1):
            word, previous = words[back], words[back - 1] if back else None
            if _names_unheld(word, previous, concepts, names, index, english):
                return text[word.start : kind.end]
            plain = word.base in english and not all(t in names.words for t in word.terms)
            if plain or word.base in _DETERMINERS:
                break
    return _definite_name(text, words, concepts, analyzer, names)


def _definite_name(
    text: str, words: list[Word], concepts: Mapping[str, Concept], analyzer: Analyzer, names: Names
) -> str:
    """An English-word name of a document we don't have: "the eclipse public license".

    The look-back above stops at English words, so that "my own closed license" describes.
    A name shows itself by grammar and by typing: after "the" (or opening the question, as
    "eclipse public license: …" does), a run of content words closed by a kind word that
    titles put right after a name ("Public License", never ", version"), holding a word no
    text holds that stands before the titles' shared words or is capitalised inside the
    question ("the Boost Software License"), and no word naming a document we hold ("the
    old mozilla license"). Lower-case and straight before the kind word, a name cannot be
    told from a description ("the stricter license", "the boost software license"): that
    is left to the decline rule.
    """
    for at, kind in enumerate(words):
        if at == 0 or not _is_kind(kind, analyzer, names.heads):
            continue
        unknown = crossed = False
        for back in range(at - 1, max(at - 1 - _NAME_WORDS, -2), -1):
            word = words[back] if back >= 0 else None
            if word is None or word.base == "the":
                if unknown:
                    end = at  # to the last kind word of the name: "eclipse public license"
                    while end + 1 < len(words) and _is_kind(words[end + 1], analyzer, names.kinds):
                        end += 1
                    return text[words[back + 1].start : words[end].end]
                break
            concept = concepts.get(word.base)
            names_one = bool(word.terms) and all(t in names.words for t in word.terms)
            if names_one or (concept is None and not _is_kind(word, analyzer, names.kinds)):
                break  # a document we hold, or a function word: not a name we lack
            missing = concept is not None and concept.match is Match.MISSING and word.base.isalpha()
            # An English word names only where it shows it does: capitalised inside the
            # question ("the Boost Software License"), or before a title's shared words
            # ("eclipse public license"); "the stricter license" describes.
            capital = back > 0 and text[word.start].isupper()
            unknown = unknown or (missing and (crossed or capital))
            crossed = crossed or _is_kind(word, analyzer, names.kinds)
    return ""


def unknown_title(
    text: str,
    words: Sequence[Word],
    query: Query,
    analyzer: Analyzer,
    names: Names,
    index: Index,
    spelled: Mapping[str, int] | None = None,
) -> str:
    """A title of a document we lack, spelt in words the texts hold: "the free art license".

    ``absent_name`` needs a name word that no text holds. "the Sustainable Use License",
    "the academic free license 3.0" and "the educational community license", asked of three
    other licences, hold none: every word is in some text, so the nearest clause about use,
    freedom or communities is quoted as if it were theirs. Said as a title is said, after
    "the" and closed by a kind word of the titles, such a run names a document when the
    texts never say it: no passage and no title holds its words in that order. A description
    is one word ("the stricter license") and is left alone unless it is capitalised like a
    title ("the Fair License"); a run the texts do say ("the free software license", "the
    patent license") is theirs. One word no text holds, after "the" and ending in a kind word
    ("the unlicense"), is such a title too. A run after or holding a name of a document we
    hold describes a part of it ("mozilla license: the contributors patent license", "the
    EUPL-1.2 licence"); a name word after the run does not ("the fair source license … for
    free", where "free" is the GFDL's). ``spelled`` is ``Names.spelled_out`` of ``words``.
    """
    if not names.heads:
        return ""
    concepts = {c.surface: c for c in query.concepts}
    english = english_frequency()
    for at, kind in enumerate(words):
        if (
            at
            and words[at - 1].base == "the"
            and _is_compound_kind(kind, concepts, names.heads, english, index, analyzer)
            and not name_words(text, analyzer, names, spelled, words[:at])
        ):
            return text[kind.start : kind.end]  # "the Unlicense": a name with its kind word inside
        if at == 0 or not _is_kind(kind, analyzer, names.heads):
            continue
        if at + 1 < len(words) and _is_kind(words[at + 1], analyzer, names.kinds):
            continue  # the name goes on: read it from its last kind word
        run: list[Word] = []
        for back in range(at - 1, max(at - 1 - _NAME_WORDS, -2), -1):
            word = words[back] if back >= 0 else None
            if word is None or word.base == "the":
                break
            if not word.terms or all(t in names.words for t in word.terms):
                run = []  # a function word ("does a license…"), or a document we hold
                break
            run.insert(0, word)
        else:
            continue  # too long to be a name
        if not run or name_words(text, analyzer, names, spelled, words[:at]):
            continue
        titled = all(text[w.start].isupper() for w in (*run, kind))
        if len(run) < 2 and not titled:
            continue
        asked = (*run, kind)
        if not _said(asked, [_word_terms(w, concepts, analyzer, index) for w in asked], index, analyzer):
            return text[run[0].start : kind.end]
    return ""


def _is_compound_kind(
    word: Word,
    concepts: Mapping[str, Concept],
    kinds: frozenset[str],
    english: Mapping[str, int],
    index: Index,
    analyzer: Analyzer,
) -> bool:
    """True for a word no text holds, not English, made of something and a kind word ("unlicense").

    The speller may read it as the kind word misspelt ("unlicense" -> license): that is no
    text's word either.
    """
    concept = concepts.get(word.base)
    if concept is None or word.base in english or len(word.terms) != 1:
        return False
    unheld = concept.match is Match.MISSING or (
        concept.match is Match.TYPO and all(index.terms[t] in kinds for t in concept.term_ids)
    )
    base = word.base
    return unheld and any(analyzer.term(base[i:]) in kinds for i in range(2, len(base) - 3))


def _word_terms(word: Word, concepts: Mapping[str, Concept], analyzer: Analyzer, index: Index) -> frozenset[str]:
    """The index terms a question word may stand for: its own, its spellings', its typo's."""
    terms = {*word.terms[:1], *spelling_terms(analyzer, word.base)}
    concept = concepts.get(word.base)
    if concept is not None and concept.match is not Match.MISSING:
        terms.update(index.terms[t] for t in concept.term_ids)
    return frozenset(terms)


def _said(asked: Sequence[Word], forms: Sequence[frozenset[str]], index: Index, analyzer: Analyzer) -> bool:
    """True when a title or passage holds one term of each of ``forms``, in order, side by side.

    A title may be misspelt or cut short as typed ("opne software license" is the Open
    Software License, "gnu free doc license" the GNU Free Documentation License): there a
    word one edit from the title's word, or its start, is that word.
    """

    def alike(word: Word, title_word: Word) -> bool:
        if len(word.base) >= 3 and title_word.base.startswith(word.base):
            return True  # cut short: "gnu free doc license"
        return len(word.base) >= 4 and osa_distance(word.base, title_word.base, 1) <= 1

    def holds(terms: Sequence[str], said: Sequence[Word] = ()) -> bool:
        return any(
            all(terms[i + k] in forms[k] or (said and alike(asked[k], said[i + k])) for k in range(len(forms)))
            for i in range(len(terms) - len(forms) + 1)
        )

    for document in index.documents:
        title = [w for w in analyzer.words(document.meta.title) if w.terms]
        if holds([w.terms[0] for w in title], title):
            return True
    ids = [[index.vocab[t] for t in f if t in index.vocab] for f in forms]
    if not all(ids):
        return False
    passages: np.ndarray | None = None
    for choices in ids:
        found = np.unique(np.concatenate([index.column(t)[0] for t in choices]))
        passages = found if passages is None else np.intersect1d(passages, found, assume_unique=True)
    assert passages is not None
    if len(passages) > _PHRASE_PASSAGES:
        return True
    return any(holds(analyzer.terms(index.passages[int(o)].text)) for o in passages)


def _names_unheld(
    word: Word,
    previous: Word | None,
    concepts: Mapping[str, Concept],
    names: Names,
    index: Index,
    english: Mapping[str, int],
) -> bool:
    """True when ``word`` can only be the name of a document that no text or title holds."""
    concept = concepts.get(word.base)
    if len(word.terms) > 1:
        # Hyphenated ("by-sa"): the question reads its parts, each too short to be a concept.
        unknown = not any(t in index.vocab or t in names.unheld or t in names.words for t in word.terms)
    elif concept is None:
        # Read as a misspelt function word ("isc" for "is"), unless a determiner
        # already stands before it: "the isc license" has its function word.
        unknown = bool(word.terms) and previous is not None and previous.base in _DETERMINERS
    else:
        unknown = concept.match is Match.MISSING
    named = word.base not in english and word.base not in names.unheld
    return unknown and named and any(c.isalpha() for c in word.base)


def _is_kind(word: Word, analyzer: Analyzer, kinds: frozenset[str]) -> bool:
    """True when ``word`` is one of ``kinds``, in either spelling ("licence", "license")."""
    if not kinds:
        return False
    return bool(word.terms[:1] and word.terms[0] in kinds) or not spelling_terms(analyzer, word.base).isdisjoint(kinds)


@lru_cache(maxsize=4096)
def spelling_terms(analyzer: Analyzer, base: str) -> frozenset[str]:
    """The terms of ``base``'s other spellings: read for every word of every question, so kept."""
    return frozenset(analyzer.term(v) for v in spelling_variants(base))


def name_words(
    text: str,
    analyzer: Analyzer,
    names: Names,
    spelled: Mapping[str, int] | None = None,
    words: Sequence[Word] | None = None,
) -> str:
    """The words of ``text`` that name a document, as written ("Apache", "mozilla"); ``spelled`` adds a title's.

    ``words`` are ``analyzer.words(text)`` when the caller has read them already.
    """
    held = names.words | frozenset(spelled or ())
    read = list(analyzer.words(text) if words is None else words)
    found: list[str] = []
    for at, w in enumerate(read):
        if not w.terms:
            continue
        if all(t in held for t in w.terms):
            found.append(w.surface)
        elif _hyphen_version(w) is not None and all(t in held or _NUMERAL.match(t) for t in w.terms[1:]):
            # "EUPL-1.2" is the name as an id is typed: "eupl-1" and the "2" glued after it.
            found.append(f"{w.surface}.{read[at + 1].surface}" if _glued_after(read, at) else w.surface)
    return " ".join(found)


def unglued(text: str, analyzer: Analyzer, names: Names) -> str:
    """``text`` with a version glued to a name set apart ("gplv3" -> "gpl v3"), else unchanged.

    Typed as one word, the name is a word the index never holds, so the question would
    lose the very word that says which document it means.
    """
    if not names.words:
        return text
    cuts = []
    for word in analyzer.words(text):
        glued = _GLUED.fullmatch(text, word.start, word.end)
        if glued and len(word.terms) == 1 and analyzer.term(glued.group(1).lower()) in names.words:
            cuts.append(glued.end(1))
    for cut in reversed(cuts):
        text = f"{text[:cut]} {text[cut:]}"
    return text


def without_name_meaning(question: np.ndarray, words: str, encode: Encode, weight: float) -> np.ndarray:
    """The question vector less ``weight`` times the vector of its name words, renormalised.

    Measured against re-encoding the question without the words: as good on the
    several-document sets (docs/benchmarks.md), and a name's vector is encoded once and
    kept, so a question costs no second encoding.
    """
    if not words or weight <= 0:
        return question
    moved = question - weight * _vector_of(encode, words)
    norm = float(np.linalg.norm(moved))
    return moved / norm if norm > 0 else question


@lru_cache(maxsize=1024)
def _vector_of(encode: Callable[[list[str]], np.ndarray], words: str) -> np.ndarray:
    vector = np.asarray(encode([words])[0], dtype=np.float32)
    vector.setflags(write=False)
    return vector
