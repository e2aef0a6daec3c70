"""Turning a web page or a file into one knowledge file: fetch, convert, render, write.

May import bot.knowledge and top-level bot.errors only.
"""
