import logging

import pytest

from bot.config import Secret, load_settings
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
