"""Entry point for ``python -m bot``."""

from bot.cli import main

# Guarded: worker processes started with "spawn" (parallel indexing) import this module.
if __name__ == "__main__":
    raise SystemExit(main())
