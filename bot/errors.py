"""Problems reported to people, as values rather than tracebacks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["ConfigError", "IngestError", "KnowledgeError", "KnowledgeProblem", "Severity"]


class Severity(Enum):
    """An error keeps a file out of the knowledge base; a notice only explains an ignored file."""

    ERROR = "error"
    NOTICE = "notice"


@dataclass(frozen=True, slots=True)
class KnowledgeProblem:
    """One thing wrong with one knowledge file, printed as ``file:line: message``."""

    path: str
    line: int
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        prefix = "" if self.severity is Severity.ERROR else "note: "
        return f"{self.path}:{self.line}: {prefix}{self.message}"


class KnowledgeError(Exception):
    """The knowledge folder could not be loaded; carries every problem found.

    ``documents`` counts the files that did load despite the problems, so a message can say
    whether skipping the bad ones (``--skip-bad``) would leave anything to serve.
    """

    def __init__(self, problems: tuple[KnowledgeProblem, ...], documents: int = 0) -> None:
        self.problems = problems
        self.documents = documents
        super().__init__("\n".join(str(p) for p in problems))


class ConfigError(Exception):
    """Start-up configuration is wrong; one line per mistake, never a secret value."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = tuple(lines)
        super().__init__("\n".join(lines))


class IngestError(Exception):
    """A file or page could not be added; ``message`` is one line to show the person who asked."""

    def __init__(self, message: str) -> None:
        self.message = " ".join(message.split())
        super().__init__(self.message)
