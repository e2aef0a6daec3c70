"""Imports flow one way, and the package a module sits in says what it may import.

The stages, lowest first: knowledge -> search -> summaries -> serving -> adapter, with ingest
(files and pages -> knowledge files) beside knowledge and feedback beside search. Each
package may import itself, the packages listed for it, and the shared top-level modules
``bot.errors`` and ``bot.log``. Only ``bot/adapter/`` imports discord, and only the command
line and the adapter see the whole tree.
"""

import ast
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "bot"
SHARED = {"errors", "log"}
ALLOWED: dict[str, set[str]] = {
    "knowledge": set(),
    "ingest": {"knowledge"},
    "search": {"knowledge"},
    "feedback": {"knowledge", "search"},
    "summaries": {"knowledge", "search"},
    "serving": {"knowledge", "search", "summaries"},
    "adapter": {"knowledge", "search", "summaries", "serving", "ingest", "feedback", "config"},
}
TOP_LEVEL = {"__init__", "__main__", "cli", "config", "errors", "log"}
TOP_ALLOWED: dict[str, set[str]] = {"errors": set(), "log": set(), "config": {"errors"}}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def ours(names: set[str]) -> set[str]:
    """The first component below ``bot`` of each of our imports: a package or a top-level module."""
    return {name.split(".")[1] for name in names if name.startswith("bot.")}


def package_modules() -> list[tuple[str, Path]]:
    return [(path.parent.name, path) for path in sorted(ROOT.glob("*/*.py"))]


def test_every_package_is_a_known_stage_with_a_docstring_saying_what_it_may_import():
    packages = {path.name for path in ROOT.iterdir() if path.is_dir() and (path / "__init__.py").exists()}
    assert packages <= set(ALLOWED), packages - set(ALLOWED)
    for package in packages:
        doc = ast.get_docstring(ast.parse((ROOT / package / "__init__.py").read_text("utf-8")))
        assert doc and "may import" in doc.lower(), package


def test_top_level_holds_only_the_entry_points_and_shared_modules():
    assert {path.stem for path in ROOT.glob("*.py")} == TOP_LEVEL


@pytest.mark.parametrize(("package", "path"), package_modules(), ids=lambda v: str(v))
def test_packages_import_only_what_their_stage_allows(package: str, path: Path):
    allowed = ALLOWED[package] | SHARED | {package}
    assert ours(imports_of(path)) <= allowed, (path, ours(imports_of(path)) - allowed)


@pytest.mark.parametrize("name", sorted(TOP_ALLOWED))
def test_shared_top_level_modules_import_nothing_above_them(name: str):
    assert ours(imports_of(ROOT / f"{name}.py")) <= TOP_ALLOWED[name]


def test_only_the_adapter_imports_discord():
    for path in ROOT.rglob("*.py"):
        if path.is_relative_to(ROOT / "adapter"):
            continue
        assert not any(name == "discord" or name.startswith("discord.") for name in imports_of(path)), path


def test_only_the_command_line_and_the_adapter_import_the_adapter():
    for path in ROOT.rglob("*.py"):
        if path.is_relative_to(ROOT / "adapter") or path.name in {"cli.py", "__main__.py"}:
            continue
        assert "adapter" not in ours(imports_of(path)), path


def test_every_import_of_ours_names_a_module_that_exists():
    """Old flat paths (bot.answer, bot.snapshot, ...) are gone, not kept as aliases."""
    for path in ROOT.rglob("*.py"):
        for name in imports_of(path):
            if name == "bot" or name.startswith("bot."):
                assert importlib.util.find_spec(name) is not None, (path, name)
