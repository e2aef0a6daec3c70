"""Summaries: extractive summaries of a document, made only of its own sentences, ranked at load.

May import ``bot.search``, ``bot.knowledge`` and the top-level ``bot.errors`` and ``bot.log``.
"""
