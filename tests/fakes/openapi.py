"""Validate request bodies against Discord's OpenAPI description (tests/data/discord-api-spec)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SPEC = Path(__file__).resolve().parent.parent / "data" / "discord-api-spec" / "openapi.json"


@dataclass
class _Operation:
    pattern: re.Pattern[str]
    method: str
    schema: dict[str, Any] | None


class SpecValidator:
    """Finds the operation for a method and path, and validates a JSON body against it."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self._components = spec.get("components", {})
        self._operations: list[_Operation] = []
        for template, operations in spec["paths"].items():
            regex = "^" + re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(template)) + "$"
            for method, operation in operations.items():
                if method not in {"get", "post", "put", "patch", "delete"}:
                    continue
                content = (operation.get("requestBody") or {}).get("content", {})
                schema = (content.get("application/json") or {}).get("schema")
                self._operations.append(_Operation(re.compile(regex), method.upper(), schema))
        # Literal paths ("/users/@me") before templated ones ("/users/{user_id}").
        self._operations.sort(key=lambda op: op.pattern.pattern.count("[^/]+"))

    @classmethod
    @cache
    def load(cls) -> SpecValidator:
        return cls(json.loads(SPEC.read_text("utf-8")))

    def validate(self, method: str, path: str, body: Any) -> list[str]:
        """Problems with the body (empty when it conforms); unknown routes are a problem too."""
        operation = next((op for op in self._operations if op.method == method and op.pattern.match(path)), None)
        if operation is None:
            return [f"no such operation in Discord's API: {method} {path}"]
        if operation.schema is None:
            return [] if body in (None, {}) else ["this operation takes no JSON body"]
        validator = Draft202012Validator({**operation.schema, "components": self._components})
        errors = validator.iter_errors(_snowflakes_as_strings(body))
        return [f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message[:300]}" for e in errors]


def _snowflakes_as_strings(value: Any) -> Any:
    """Ids as the spec types them (strings); discord.py sends some as integers, which Discord accepts."""
    if isinstance(value, dict):
        return {k: _snowflakes_as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snowflakes_as_strings(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and value >= 10**15:
        return str(value)
    return value
