""".env.example documents every variable the bot reads, and its defaults load."""

import re

from bot.config import VARIABLES, load_settings
from tests.conftest import ROOT


def test_every_variable_is_explained_in_order():
    text = (ROOT / ".env.example").read_text("utf-8")
    names = re.findall(r"(?m)^([A-Z_]+)=", text)
    assert names == list(VARIABLES)


def test_the_example_values_are_valid_once_a_token_is_filled_in():
    values = dict(re.findall(r"(?m)^([A-Z_]+)=(.*)$", (ROOT / ".env.example").read_text("utf-8")))
    values["DISCORD_TOKEN"] = "abc.def.ghi"
    values["KNOWLEDGE_DIR"] = str(ROOT / "knowledge")
    settings = load_settings(values)
    assert settings.cooldown_questions == 4
    assert not settings.wants_message_content
    assert not settings.allow_private_urls
