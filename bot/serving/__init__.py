"""Serving: the immutable snapshot that answers, its disk cache, and the live library that swaps snapshots.

May import ``bot.summaries``, ``bot.search``, ``bot.knowledge`` and the top-level ``bot.errors`` and ``bot.log``.
"""
