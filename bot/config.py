"""Start-up configuration from the environment and ``.env``, validated all at once.

Every mistake becomes one line naming the variable and what is wrong, so a moderator can
fix them in one go; the token is held in a ``Secret`` that never prints its value.

An empty value is the same as no value, in the environment and in ``.env`` alike: the
next source, then the default, applies. ``docker run --env-file .env`` copies every line
of ``.env``, blank ones included, over the image's environment, so a blank line must not
mean "the current folder" or wipe out the image's own choice. That is also why the image
sets its paths as ``KNOWLEDGE_DIR_DEFAULT``, ``INDEX_CACHE_DIR_DEFAULT`` and
``DATABASE_PATH_DEFAULT``: defaults for this deployment, which no blank ``.env`` line replaces.
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from dotenv import dotenv_values

from bot.errors import ConfigError

__all__ = [
    "LOG_LEVELS",
    "VARIABLES",
    "Secret",
    "Settings",
    "load_settings",
    "read_env_file",
    "read_semantic_model",
    "settings_from_environment",
    "value_of",
]

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# The SEMANTIC_MODEL values: bot.search.model_files.MODELS's keys (config imports nothing
# of the core; tests/test_config.py keeps the two in step).
SEMANTIC_MODELS = ("mpnet", "minilm")
# Every variable, in the order .env.example explains them (mistakes are reported in this order).
VARIABLES = (
    "DISCORD_TOKEN",
    "KNOWLEDGE_DIR",
    "SKIP_BAD_FILES",
    "INDEX_CACHE_DIR",
    "SEMANTIC",
    "SEMANTIC_MODEL",
    "ANSWER_CHANNEL_IDS",
    "MOD_ROLE_IDS",
    "KNOWLEDGE_GUILD_IDS",
    "MOD_LOG_CHANNEL_ID",
    "DEV_GUILD_ID",
    "LOG_LEVEL",
    "COOLDOWN_QUESTIONS",
    "COOLDOWN_SECONDS",
    "SUMMARY_COOLDOWN_QUESTIONS",
    "SUMMARY_COOLDOWN_SECONDS",
    "MAX_PENDING_QUESTIONS",
    "SHARD_COUNT",
    "SHARD_IDS",
    "ALLOW_PRIVATE_URLS",
    "DISCORD_API_BASE",
    "DISCORD_GATEWAY_URL",
    "DATABASE_PATH",
    "FEEDBACK_KEY",
    "FEEDBACK_RETENTION_DAYS",
    "FEEDBACK",
    "DATABASE_URL",
    "REDIS_URL",
    "RELOAD_WAIT_SECONDS",
)
# Variables whose default a deployment may change with NAME_DEFAULT (the Docker image does).
DEPLOYMENT_DEFAULTS = ("KNOWLEDGE_DIR", "INDEX_CACHE_DIR", "DATABASE_PATH")
_SNOWFLAKE = re.compile(r"^\d{1,20}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Secret:
    """A value that must never reach a log line, an error message or a repr."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The actual value, for the one place that needs it (logging in to Discord)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the bot reads from its environment."""

    token: Secret
    knowledge_dir: Path = Path("knowledge")
    answer_channel_ids: frozenset[int] = frozenset()
    mod_role_ids: frozenset[int] = frozenset()
    knowledge_guild_ids: frozenset[int] = frozenset()  # home servers: the only ones that may change the knowledge
    dev_guild_id: int | None = None
    mod_log_channel_id: int | None = None
    log_level: str = "INFO"
    cooldown_questions: int = 4
    cooldown_seconds: float = 30.0
    summary_cooldown_questions: int = 2
    summary_cooldown_seconds: float = 30.0
    skip_bad_files: bool = False
    cache_dir: Path | None = None
    semantic: bool = True
    semantic_model: str = ""  # empty: the best model installed
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    max_pending_questions: int = 100
    allow_private_urls: bool = False
    api_base: str | None = None
    gateway_url: str | None = None
    database_path: Path = Path("feedback.sqlite3")
    feedback_key: Secret | None = None
    feedback_retention_days: int = 90
    database_url: Secret | None = None
    redis_url: Secret | None = None
    reload_wait_seconds: float = 20.0

    def secret_values(self) -> list[str]:
        """Every string the log formatter must redact: the token, the key, URLs and their passwords."""
        found = [self.token.reveal()]
        if self.feedback_key is not None:
            found.append(self.feedback_key.reveal())
        for url in (self.database_url, self.redis_url):
            if url is not None:
                found.append(url.reveal())
                password = urlsplit(url.reveal()).password
                if password:
                    found += [password, unquote(password)]
        return found

    feedback: bool = True  # FEEDBACK=off: no buttons, nothing stored, no /gaps or /forget-me

    @property
    def wants_message_content(self) -> bool:
        """The privileged intent is only needed to read every message of answer channels."""
        return bool(self.answer_channel_ids)


def value_of(env: Mapping[str, str], name: str) -> str:
    """A variable's value without surrounding space; empty when it is unset or blank.

    For the folders in ``DEPLOYMENT_DEFAULTS``, an unset or blank value falls back to
    ``NAME_DEFAULT``, so an image can choose its own default that an env file cannot blank.
    """
    value = env.get(name, "").strip()
    if not value and name in DEPLOYMENT_DEFAULTS:
        value = env.get(name + "_DEFAULT", "").strip()
    return value


def read_env_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """KEY=value lines of an env file; a UTF-8 byte-order mark (Windows editors) is allowed.

    Raises ConfigError, in one line, when the file cannot be read or is not UTF-8.
    """
    try:
        data = Path(path).read_bytes().removeprefix(b"\xef\xbb\xbf")
    except OSError as exc:
        raise ConfigError([f"{os.fspath(path)}: cannot read: {exc.strerror or exc}"]) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError([f"{os.fspath(path)}:{line}: not UTF-8; save the file as UTF-8"]) from exc
    return {k: v for k, v in dotenv_values(stream=io.StringIO(text)).items() if v is not None}


def settings_from_environment(env_file: str | os.PathLike[str] | None = None) -> Settings:
    """Settings from ``os.environ`` layered over an env file (a non-empty environment value wins).

    Without ``env_file``, ``.env`` is read if there is one; a file asked for by name must
    exist, since silently reading nothing would start the bot without the settings in it.
    """
    values: dict[str, str] = {}
    if env_file is not None:
        path = Path(env_file)
        if not path.exists():
            raise ConfigError([f"--env-file {os.fspath(env_file)}: no such file"])
        if not path.is_file():
            raise ConfigError([f"--env-file {os.fspath(env_file)}: not a file"])
        values.update(read_env_file(path))
    elif Path(".env").is_file():
        values.update(read_env_file(".env"))
    values.update({k: v for k, v in os.environ.items() if v.strip()})
    return load_settings(values)


def read_semantic_model(raw: str | None) -> tuple[str, str | None]:
    """``SEMANTIC_MODEL`` as a model key ("" for the best installed), and its one-line mistake if any.

    The bot's start-up and the command line both read it, so a typo reads the same in both.
    """
    value = (raw or "").strip().lower()
    if value and value not in SEMANTIC_MODELS:
        return "", f"SEMANTIC_MODEL: {value[:30]!r} is not one of {', '.join(SEMANTIC_MODELS)}"
    return value, None


def load_settings(env: Mapping[str, str]) -> Settings:
    """Validate a mapping of variables; raises ConfigError with one line per mistake."""
    errors: list[str] = []

    def get(name: str) -> str:
        return value_of(env, name)

    token = get("DISCORD_TOKEN")
    if not token:
        errors.append("DISCORD_TOKEN: missing; copy the bot token from the Developer Portal into .env")
    elif not _TOKEN.match(token):
        errors.append("DISCORD_TOKEN: does not look like a bot token (expected three dot-separated parts)")

    knowledge = Path(get("KNOWLEDGE_DIR") or "knowledge")
    if not knowledge.exists():
        errors.append(f"KNOWLEDGE_DIR: folder {str(knowledge)!r} does not exist")
    elif not knowledge.is_dir():
        errors.append(f"KNOWLEDGE_DIR: {str(knowledge)!r} is not a folder")
    elif not os.access(knowledge, os.R_OK | os.X_OK):
        errors.append(f"KNOWLEDGE_DIR: folder {str(knowledge)!r} cannot be read")

    def ids(name: str) -> frozenset[int]:
        raw = get(name)
        found: set[int] = set()
        for item in re.split(r"[\s,]+", raw):
            if not item:
                continue
            if not _SNOWFLAKE.match(item) or int(item) >= 2**64:
                errors.append(f"{name}: {item[:30]!r} is not a Discord id (digits only, comma-separated)")
                continue
            found.add(int(item))
        return frozenset(found)

    def one_id(name: str) -> int | None:
        raw = get(name)
        if not raw:
            return None
        if not _SNOWFLAKE.match(raw) or int(raw) >= 2**64:
            errors.append(f"{name}: {raw[:30]!r} is not a Discord id (digits only)")
            return None
        return int(raw)

    def number(name: str, default: float, low: float, high: float, *, whole: bool = True) -> float:
        raw = get(name)
        if not raw:
            return default
        try:
            value = int(raw) if whole else float(raw)
        except ValueError:
            kind = "a whole number" if whole else "a number"
            errors.append(f"{name}: {raw[:30]!r} is not {kind}")
            return default
        if not low <= value <= high:
            errors.append(f"{name}: {value} is out of range ({low:g} to {high:g})")
            return default
        return value

    def flag(name: str) -> bool:
        raw = get(name).lower()
        if raw in _TRUE:
            return True
        if raw not in _FALSE:
            errors.append(f"{name}: {raw[:30]!r} is not true or false")
        return False

    def switch(name: str, default: bool) -> bool:
        raw = get(name).lower()
        if not raw:
            return default
        if raw not in _TRUE | _FALSE:
            errors.append(f"{name}: {raw[:30]!r} is not on or off")
        return raw in _TRUE

    semantic_model, mistake = read_semantic_model(get("SEMANTIC_MODEL"))
    if mistake:
        errors.append(mistake)

    level = (get("LOG_LEVEL") or "INFO").upper()
    if level not in LOG_LEVELS:
        errors.append(f"LOG_LEVEL: {level[:30]!r} is not one of {', '.join(LOG_LEVELS)}")
        level = "INFO"

    shard_count = get("SHARD_COUNT")
    count = int(number("SHARD_COUNT", 0, 1, 10_000)) if shard_count else None
    shard_ids: tuple[int, ...] | None = None
    if get("SHARD_IDS"):
        parsed = []
        for item in re.split(r"[\s,]+", get("SHARD_IDS")):
            if item and not item.isdigit():
                errors.append(f"SHARD_IDS: {item[:30]!r} is not a shard number")
            elif item:
                parsed.append(int(item))
        shard_ids = tuple(sorted(set(parsed)))
        if count is None:
            errors.append("SHARD_IDS: needs SHARD_COUNT, the total number of shards across all processes")
        elif any(i >= count for i in shard_ids):
            errors.append(f"SHARD_IDS: every shard number must be below SHARD_COUNT ({count})")

    def url(name: str, schemes: tuple[str, ...]) -> str | None:
        raw = get(name)
        if not raw:
            return None
        if not re.match(rf"^(?:{'|'.join(schemes)})://[^\s]+$", raw):
            errors.append(f"{name}: {raw[:60]!r} is not a {' or '.join(schemes)} URL")
            return None
        return raw.rstrip("/")

    database = Path(get("DATABASE_PATH") or "feedback.sqlite3")
    if database.is_dir():
        errors.append(
            f"DATABASE_PATH: {str(database)!r} is a folder; give a file path in it, such as"
            f" {str(database / 'feedback.sqlite3')!r}"
        )
    feedback_key = get("FEEDBACK_KEY")
    if feedback_key and len(feedback_key.encode("utf-8")) < 16:
        errors.append("FEEDBACK_KEY: too short; use at least 16 random characters (or leave it empty)")

    def server_url(name: str, schemes: tuple[str, ...], example: str, package: tuple[str, str]) -> Secret | None:
        """A server URL, which may hold a password: errors never repeat the value."""
        raw = get(name)
        if not raw:
            return None
        try:
            parts = urlsplit(raw)
            parts.port  # noqa: B018 - a malformed port raises here
        except ValueError:
            errors.append(f"{name}: not a valid URL (for example {example})")
            return None
        if parts.scheme not in schemes or re.search(r"\s", raw):
            shown = f"scheme {parts.scheme!r}" if parts.scheme else "no scheme"
            errors.append(f"{name}: {shown}; expected a {' or '.join(f'{s}://' for s in schemes)} URL like {example}")
            return None
        module, extra = package
        if importlib.util.find_spec(module) is None:
            errors.append(f"{name}: needs the {module} package: pip install '.[{extra}]'")
            return None
        return Secret(raw)

    database_url = server_url(
        "DATABASE_URL", ("postgresql", "postgres"), "postgresql://bot:password@db:5432/bot", ("psycopg", "postgres")
    )
    if database_url is not None and not feedback_key:
        errors.append("DATABASE_URL: needs FEEDBACK_KEY, the key every host shares to recognise the same user")
    redis_url = server_url("REDIS_URL", ("redis", "rediss", "unix"), "redis://redis:6379/0", ("redis", "redis"))
    feedback_raw = get("FEEDBACK").lower() or "on"  # on unless switched off: gaps need the record
    if feedback_raw not in _TRUE | _FALSE:
        errors.append(f"FEEDBACK: {feedback_raw[:30]!r} is not on or off")

    cache = get("INDEX_CACHE_DIR")
    settings = Settings(
        token=Secret(token),
        knowledge_dir=knowledge,
        answer_channel_ids=ids("ANSWER_CHANNEL_IDS"),
        mod_role_ids=ids("MOD_ROLE_IDS"),
        knowledge_guild_ids=ids("KNOWLEDGE_GUILD_IDS"),
        dev_guild_id=one_id("DEV_GUILD_ID"),
        mod_log_channel_id=one_id("MOD_LOG_CHANNEL_ID"),
        log_level=level,
        cooldown_questions=int(number("COOLDOWN_QUESTIONS", 4, 1, 1000)),
        cooldown_seconds=number("COOLDOWN_SECONDS", 30.0, 1, 86_400, whole=False),
        summary_cooldown_questions=int(number("SUMMARY_COOLDOWN_QUESTIONS", 2, 1, 1000)),
        summary_cooldown_seconds=number("SUMMARY_COOLDOWN_SECONDS", 30.0, 1, 86_400, whole=False),
        skip_bad_files=flag("SKIP_BAD_FILES"),
        cache_dir=Path(cache) if cache else None,
        semantic=switch("SEMANTIC", True),
        semantic_model=semantic_model,
        shard_count=count,
        shard_ids=shard_ids,
        max_pending_questions=int(number("MAX_PENDING_QUESTIONS", 100, 1, 100_000)),
        allow_private_urls=flag("ALLOW_PRIVATE_URLS"),
        api_base=url("DISCORD_API_BASE", ("http", "https")),
        gateway_url=url("DISCORD_GATEWAY_URL", ("ws", "wss")),
        database_path=database,
        feedback_key=Secret(feedback_key) if feedback_key and len(feedback_key.encode("utf-8")) >= 16 else None,
        feedback_retention_days=int(number("FEEDBACK_RETENTION_DAYS", 90, 1, 3650)),
        database_url=database_url,
        redis_url=redis_url,
        reload_wait_seconds=number("RELOAD_WAIT_SECONDS", 20.0, 1, 600, whole=False),
        feedback=feedback_raw not in _FALSE,
    )
    if errors:
        position = {name: i for i, name in enumerate(VARIABLES)}
        raise ConfigError(sorted(errors, key=lambda line: position.get(line.split(":", 1)[0], len(VARIABLES))))
    return settings
