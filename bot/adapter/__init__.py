"""Adapter: the thin layer between Discord and the core, and the only package that imports discord.

May import every package of ours; render.py builds Discord payloads as plain data, without discord.
"""
