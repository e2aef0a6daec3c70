"""Knowledge: files -> documents -> passages, and the citations that point back into them.

May import only the top-level ``bot.errors`` and ``bot.log``, nothing of ours above it.
"""
