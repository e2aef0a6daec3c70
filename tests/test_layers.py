"""The core never imports discord, and modules only import modules earlier in the flow."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "bot"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_modules_do_not_import_discord():
    for path in ROOT.glob("*.py"):
        assert not any(name == "discord" or name.startswith("discord.") for name in imports_of(path)), path


def test_core_modules_do_not_import_the_adapter():
    for path in ROOT.glob("*.py"):
        if path.name in {"cli.py", "__main__.py"}:
            continue
        assert not any(name.startswith("bot.adapter") for name in imports_of(path)), path
