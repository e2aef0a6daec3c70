import io
import json
import logging
from pathlib import Path

import pytest

from bot.config import VARIABLES, Secret, load_settings, settings_from_environment
from bot.errors import ConfigError
from bot.log import RedactingFormatter

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GfakeX.very-secret-token-value_0123456789"


def test_valid_settings(tmp_path):
    settings = load_settings(
        {
            "DISCORD_TOKEN": TOKEN,
            "KNOWLEDGE_DIR": str(tmp_path),
            "ANSWER_CHANNEL_IDS": "123, 456 789",
            "MOD_ROLE_IDS": "42",
            "DEV_GUILD_ID": "7",
            "LOG_LEVEL": "debug",
            "COOLDOWN_QUESTIONS": "3",
            "COOLDOWN_SECONDS": "12.5",
            "SKIP_BAD_FILES": "yes",
            "ALLOW_PRIVATE_URLS": "true",
        }
    )
    assert settings.answer_channel_ids == {123, 456, 789}
    assert settings.mod_role_ids == {42}
    assert settings.dev_guild_id == 7
    assert settings.log_level == "DEBUG"
    assert (settings.cooldown_questions, settings.cooldown_seconds) == (3, 12.5)
    assert settings.skip_bad_files is True
    assert settings.allow_private_urls is True
    assert settings.wants_message_content


def test_every_mistake_is_one_line_naming_the_variable(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_settings(
            {
                "KNOWLEDGE_DIR": str(tmp_path / "missing"),
                "ANSWER_CHANNEL_IDS": "123,abc",
                "DEV_GUILD_ID": "12x",
                "LOG_LEVEL": "LOUD",
                "COOLDOWN_SECONDS": "-1",
                "SHARD_IDS": "0,1",
                "ALLOW_PRIVATE_URLS": "sometimes",
            }
        )
    lines = raised.value.lines
    assert sorted(line.split(":")[0] for line in lines) == sorted(
        [
            "DISCORD_TOKEN",
            "KNOWLEDGE_DIR",
            "ANSWER_CHANNEL_IDS",
            "LOG_LEVEL",
            "SHARD_IDS",
            "DEV_GUILD_ID",
            "COOLDOWN_SECONDS",
            "ALLOW_PRIVATE_URLS",
        ]
    )
    assert all(len(line.splitlines()) == 1 for line in lines)


def test_the_token_never_shows(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_settings({"DISCORD_TOKEN": TOKEN + " extra", "KNOWLEDGE_DIR": str(tmp_path)})
    assert TOKEN not in str(raised.value)
    settings = load_settings({"DISCORD_TOKEN": TOKEN, "KNOWLEDGE_DIR": str(tmp_path)})
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings.token)
    assert settings.token.reveal() == TOKEN
    with pytest.raises(TypeError):
        __import__("pickle").dumps(Secret(TOKEN))


def test_redacting_formatter_hides_secrets_in_messages_and_tracebacks():
    formatter = RedactingFormatter([TOKEN])
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "token is %s", (TOKEN,), None)
    assert TOKEN not in formatter.format(record)
    try:
        raise ValueError(f"bad {TOKEN}")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    text = formatter.format(record)
    assert "ValueError: bad [redacted]" in text
    assert TOKEN not in text


def test_feedback_settings(tmp_path):
    base = {"DISCORD_TOKEN": TOKEN, "KNOWLEDGE_DIR": str(tmp_path)}
    defaults = load_settings(base)
    assert (str(defaults.database_path), defaults.feedback_key, defaults.feedback_retention_days) == (
        "feedback.sqlite3",
        None,
        90,
    )
    chosen = load_settings(
        base
        | {
            "DATABASE_PATH": str(tmp_path / "data" / "f.db"),
            "FEEDBACK_KEY": "k" * 16,
            "FEEDBACK_RETENTION_DAYS": "30",
        }
    )
    assert chosen.database_path == tmp_path / "data" / "f.db"
    assert chosen.feedback_key == Secret("k" * 16) and "k" * 16 not in repr(chosen)
    assert chosen.feedback_retention_days == 30
    with pytest.raises(ConfigError) as error:
        load_settings(
            base | {"DATABASE_PATH": str(tmp_path), "FEEDBACK_KEY": "s3cr3t-k3y", "FEEDBACK_RETENTION_DAYS": "0"}
        )
    assert [line.split(":")[0] for line in error.value.lines] == [
        "DATABASE_PATH",
        "FEEDBACK_KEY",
        "FEEDBACK_RETENTION_DAYS",
    ]
    assert "s3cr3t-k3y" not in str(error.value)


def clean_environment(monkeypatch, **values: str) -> None:
    """Only the given bot variables in os.environ (the developer's own must not leak in)."""
    for name in [*VARIABLES, *(f"{n}_DEFAULT" for n in VARIABLES)]:
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_an_empty_environment_value_falls_back_to_env_file_then_default(tmp_path, monkeypatch):
    env_file = tmp_path / "bot.env"
    env_file.write_text(f"DISCORD_TOKEN={TOKEN}\nKNOWLEDGE_DIR={tmp_path}\nINDEX_CACHE_DIR={tmp_path / 'c'}\n")
    clean_environment(monkeypatch, INDEX_CACHE_DIR="", MOD_LOG_CHANNEL_ID=" ", COOLDOWN_QUESTIONS="")
    settings = settings_from_environment(env_file)
    assert settings.cache_dir == tmp_path / "c"  # the blank environment value did not erase it
    assert settings.mod_log_channel_id is None
    assert settings.cooldown_questions == 4
    monkeypatch.setenv("INDEX_CACHE_DIR", str(tmp_path / "env"))
    assert settings_from_environment(env_file).cache_dir == tmp_path / "env"  # a real value still wins


def test_empty_folders_mean_the_default_or_the_deployments_default(tmp_path, monkeypatch):
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    monkeypatch.chdir(tmp_path)
    settings = load_settings({"DISCORD_TOKEN": TOKEN, "KNOWLEDGE_DIR": "", "INDEX_CACHE_DIR": ""})
    assert (settings.knowledge_dir, settings.cache_dir) == (Path("knowledge"), None)
    image = {"KNOWLEDGE_DIR_DEFAULT": str(knowledge), "INDEX_CACHE_DIR_DEFAULT": "/app/cache"}
    settings = load_settings({"DISCORD_TOKEN": TOKEN, "KNOWLEDGE_DIR": "", "INDEX_CACHE_DIR": " ", **image})
    assert (settings.knowledge_dir, settings.cache_dir) == (knowledge, Path("/app/cache"))
    settings = load_settings({"DISCORD_TOKEN": TOKEN, "INDEX_CACHE_DIR": "/elsewhere", **image})
    assert settings.cache_dir == Path("/elsewhere")


def test_a_named_env_file_must_exist(tmp_path, monkeypatch):
    clean_environment(monkeypatch)
    with pytest.raises(ConfigError) as raised:
        settings_from_environment(tmp_path / "missing.env")
    assert raised.value.lines == (f"--env-file {tmp_path / 'missing.env'}: no such file",)
    with pytest.raises(ConfigError) as raised:
        settings_from_environment(tmp_path)
    assert raised.value.lines == (f"--env-file {tmp_path}: not a file",)
    monkeypatch.chdir(tmp_path)  # no .env here, and none asked for: the environment alone is used
    with pytest.raises(ConfigError) as raised:
        settings_from_environment()
    assert raised.value.lines[0].startswith("DISCORD_TOKEN: missing")


def test_env_files_with_a_byte_order_mark_or_not_utf8(tmp_path, monkeypatch):
    clean_environment(monkeypatch)
    env_file = tmp_path / "bom.env"
    env_file.write_bytes(f"\ufeffDISCORD_TOKEN={TOKEN}\nKNOWLEDGE_DIR={tmp_path}\n".encode())
    assert settings_from_environment(env_file).token.reveal() == TOKEN
    env_file.write_bytes(b"\xef\xbb\xbfLOG_LEVEL=INFO\nDISCORD_TOKEN=caf\xe9\n")
    with pytest.raises(ConfigError) as raised:
        settings_from_environment(env_file)
    assert raised.value.lines == (f"{env_file}:2: not UTF-8; save the file as UTF-8",)


def test_run_with_a_missing_env_file_says_so_and_exits_2(tmp_path):
    from bot.cli import main

    out, err = io.StringIO(), io.StringIO()
    assert main(["run", "--env-file", str(tmp_path / "prod.env")], out, err) == 2
    assert err.getvalue() == f"config error: --env-file {tmp_path / 'prod.env'}: no such file\n"


def test_the_command_line_reads_an_empty_knowledge_dir_as_the_default(tmp_path, monkeypatch):
    """Not as '' (the current folder), which would load every .md file below it."""
    from bot.cli import main

    (tmp_path / "knowledge").mkdir()
    (tmp_path / "knowledge" / "a.md").write_text("---\ntitle: A\nauthor: B\npublisher: C\n---\n\nText.\n")
    (tmp_path / "stray.md").write_text("---\ntitle: Stray\nauthor: B\npublisher: C\n---\n\nText.\n")
    monkeypatch.chdir(tmp_path)
    clean_environment(monkeypatch, KNOWLEDGE_DIR="", INDEX_CACHE_DIR="")
    out, err = io.StringIO(), io.StringIO()
    assert main(["sources", "--json"], out, err) == 0, err.getvalue()
    assert [row["title"] for row in json.loads(out.getvalue())] == ["A"]
    assert (tmp_path / "knowledge" / ".cache").is_dir()


def test_semantic_is_on_unless_turned_off_and_a_typo_is_one_line():
    from bot.config import load_settings
    from bot.errors import ConfigError

    base = {"DISCORD_TOKEN": "aaaa.bbbb.cccc"}
    assert load_settings(base).semantic is True
    assert load_settings({**base, "SEMANTIC": ""}).semantic is True
    assert load_settings({**base, "SEMANTIC": "off"}).semantic is False
    try:
        load_settings({**base, "SEMANTIC": "maybe"})
    except ConfigError as exc:
        assert exc.lines == ("SEMANTIC: 'maybe' is not on or off",)
    else:
        raise AssertionError("SEMANTIC=maybe was accepted")


def test_semantic_model_is_one_of_the_known_models():
    from bot.config import SEMANTIC_MODELS, load_settings
    from bot.errors import ConfigError
    from bot.search.model_files import MODELS

    assert set(SEMANTIC_MODELS) == set(MODELS)  # config cannot import the core, so it repeats the names
    base = {"DISCORD_TOKEN": "aaaa.bbbb.cccc"}
    assert load_settings(base).semantic_model == ""
    assert load_settings({**base, "SEMANTIC_MODEL": "MiniLM"}).semantic_model == "minilm"
    try:
        load_settings({**base, "SEMANTIC_MODEL": "bert-large", "SEMANTIC": "maybe"})
    except ConfigError as exc:
        assert exc.lines == (
            "SEMANTIC: 'maybe' is not on or off",
            "SEMANTIC_MODEL: 'bert-large' is not one of mpnet, minilm",
        )
    else:
        raise AssertionError("SEMANTIC_MODEL=bert-large was accepted")


def test_server_urls_are_secrets_and_their_passwords_are_redacted(tmp_path):
    base = {"DISCORD_TOKEN": TOKEN, "KNOWLEDGE_DIR": str(tmp_path), "FEEDBACK_KEY": "k" * 16}
    defaults = load_settings(base)
    assert (defaults.database_url, defaults.redis_url, defaults.reload_wait_seconds) == (None, None, 20.0)
    settings = load_settings(
        base
        | {
            "DATABASE_URL": "postgresql://bot:pg-pass%2Fword@db:5432/bot",
            "REDIS_URL": "redis://:redis-password@redis:6379/0",
            "RELOAD_WAIT_SECONDS": "45",
        }
    )
    assert settings.redis_url is not None and settings.redis_url.reveal() == "redis://:redis-password@redis:6379/0"
    assert settings.reload_wait_seconds == 45
    assert "redis-password" not in repr(settings) and "pg-pass" not in repr(settings)
    formatter = RedactingFormatter(settings.secret_values())
    for leak in ("redis-password", "pg-pass/word", "pg-pass%2Fword", settings.redis_url.reveal()):
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "connecting with %s", (leak,), None)
        assert leak not in formatter.format(record)


def test_bad_server_urls_are_one_line_each_without_the_password(tmp_path):
    base = {"DISCORD_TOKEN": TOKEN, "KNOWLEDGE_DIR": str(tmp_path)}
    with pytest.raises(ConfigError) as raised:
        load_settings(
            base
            | {
                "DATABASE_URL": "mysql://bot:hunter2-secret@db/bot",
                "REDIS_URL": "redis://:hunter3-secret@redis:notaport/0",
                "RELOAD_WAIT_SECONDS": "0",
            }
        )
    lines = raised.value.lines
    assert [line.split(":")[0] for line in lines] == ["DATABASE_URL", "REDIS_URL", "RELOAD_WAIT_SECONDS"]
    assert lines[0].startswith("DATABASE_URL: scheme 'mysql'; expected a postgresql:// or postgres:// URL")
    assert lines[1] == "REDIS_URL: not a valid URL (for example redis://redis:6379/0)"
    assert "hunter" not in str(raised.value)


def test_a_database_url_needs_the_shared_feedback_key(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_settings({"DISCORD_TOKEN": TOKEN, "KNOWLEDGE_DIR": str(tmp_path), "DATABASE_URL": "postgresql://db/bot"})
    assert list(raised.value.lines) == [
        "DATABASE_URL: needs FEEDBACK_KEY, the key every host shares to recognise the same user"
    ]


def test_home_servers_are_validated_like_the_other_id_lists(tmp_path):
    base = {"DISCORD_TOKEN": TOKEN, "KNOWLEDGE_DIR": str(tmp_path)}
    assert load_settings(base).knowledge_guild_ids == frozenset()
    assert load_settings(base | {"KNOWLEDGE_GUILD_IDS": "11, 22 33"}).knowledge_guild_ids == {11, 22, 33}
    with pytest.raises(ConfigError) as raised:
        load_settings(base | {"KNOWLEDGE_GUILD_IDS": "11,my-server"})
    assert list(raised.value.lines) == [
        "KNOWLEDGE_GUILD_IDS: 'my-server' is not a Discord id (digits only, comma-separated)"
    ]
