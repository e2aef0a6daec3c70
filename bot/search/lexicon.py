"""Word lists the analyzer and the question reader share; data only, no logic beyond loading.

The English dictionary is SymSpell's 82,765-word frequency list (MIT), shipped inside the
``symspellpy`` package: it holds British and American spellings and common names, which is
what tells a typo ("autor") from a real word the knowledge base just does not use ("ramen").
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

__all__ = [
    "CHAT_NOISE",
    "FRAMING",
    "STOP_WORDS",
    "SUMMARY_WORDS",
    "english_frequency",
]

# English function words (the NLTK list, with the clitic stems the tokenizer leaves behind).
STOP_WORDS = frozenset(
    """
    a about above after again against ain all am an and any are aren as at be because been
    before being below between both but by can couldn d did didn do does doesn doing don down
    during each few for from further had hadn has hasn have haven having he her here hers
    herself him himself his how i if in into is isn it its itself just ll m ma me mightn more
    most mustn my myself needn no nor not now o of off on once only or other our ours
    ourselves out over own re s same shan she should shouldn so some such t than that the
    their theirs them themselves then there these they this those through to too under until
    up us ve very was wasn we were weren what when where which while who whom why will with
    wouldn y you your yours yourself yourselves would could also shall may might must
    whats whos hows wheres whens whys thats theres heres dont doesnt didnt isnt arent wasnt
    werent cant wont couldnt shouldnt wouldnt im ive youre theyre weve hes shes lets
    """.split()
)

# Chat shorthand that carries no meaning for search; dropped like stop words so that a
# polite "pls" or "thx" never counts as an unanswered part of the question.
CHAT_NOISE = frozenset(
    """
    pls plz please thx thanks thank ty tysm btw imo imho fyi tbh idk iirc afaik lol lmao
    hey hi hello yo ok okay u ur r ya yeah yep nope hmm um uh eli5 tldr tl dr gonna wanna
    kinda sorta tell know explain say says said mean means meant question questions
    """.split()
)

# The closed vocabulary of asking for a whole text in short ("the gist", "main points",
# "sum it up"). These words make a question a summary request only when nothing else is
# left of it: "the main points of Article 9" still asks about Article 9.
SUMMARY_WORDS = frozenset(
    """
    summary summaries summarise summarize summarised summarized summarising summarizing sum recap
    gist overview tldr tl dr nutshell main key point points takeaway takeaways overall argument
    arguments thesis message short version brief briefly whole general idea ideas
    """.split()
)

# Phrases that point at the document itself rather than at its content ("according to the
# article", "what does the author say about"): removed from a question before searching, so
# they neither match "Article 9" nor pull every question towards the byline.
FRAMING = re.compile(
    r"\b(?:according\s+to\s+)?(?:this|the|that|your|ur)\s+"
    r"(?:article|piece|peice|text|story|op-?ed|document|essay|column|post|report|write-?up|opinion\s+piece)"
    r"\b(?!\s*\d)"
    r"|\b(?:according\s+to\s+)(?:the\s+)?(?:author|writer)\b"
    r"|\b(?:author|writer)(?:'s|’s)?\s+(?:say|says|said|think|thinks|thought|argue|argues|argued|believe|believes"
    r"|claim|claims|suggest|suggests|mean|means|describe|describes|view|views|opinion|take|stance|position)\b",
    re.IGNORECASE,
)


@cache
def english_frequency() -> dict[str, int]:
    """Lower-case English word -> corpus count, from SymSpell's dictionary (loaded once)."""
    text = (resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt").read_text("utf-8")
    counts: dict[str, int] = {}
    for line in text.splitlines():
        word, _, count = line.partition(" ")
        if word and count.strip().isdigit():
            counts[word] = int(count)
    return counts
