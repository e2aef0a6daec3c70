"""Search: reading a question, the lexical index, and choosing the passages and quotes that answer.

May import ``bot.knowledge`` and the top-level ``bot.errors`` and ``bot.log``, nothing above it.
"""
