"""Discord bot that answers questions about a knowledge base with verbatim, cited quotes."""

__version__ = "0.1.0"
