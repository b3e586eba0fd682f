"""Configuration: defaults, the public environment names, and clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.settings import ConfigError, Settings, load_settings, mask_credentials
from bot.core.chat_settings import parse_setting
from bot.platforms.discord.permissions import INVITE_PERMISSIONS, missing_to_post

CONTRACT = {
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_URL",
    "DISCORD_BOT_TOKEN",
    "DISCORD_API_URL",
    "DISCORD_GUILD_IDS",
    "DISCORD_CHANNEL_INTERVAL_SECONDS",
    "DISCORD_GLOBAL_RATE",
    "DISCORD_SEND_TIMEOUT_SECONDS",
    "ARXIV_USER_AGENT",
    "ARXIV_POLL_MINUTES",
    "LOOKBACK_DAYS",
    "REDIS_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "LLM_MODEL",
    "ARXIV_API_URL",
    "ARXIV_RSS_URL",
    "DEFAULT_LANGUAGE",
    "DIGEST_TIME",
    "DIGEST_TIMEZONE",
}


def test_defaults() -> None:
    settings = load_settings()
    assert settings.telegram_api_url == "https://api.telegram.org/bot"
    assert settings.discord_api_url == "https://discord.com/api/v10"
    assert settings.arxiv_api_url == "https://export.arxiv.org/api/query"
    assert settings.arxiv_rss_url == "https://rss.arxiv.org/rss"
    assert (settings.default_language, settings.digest_time, settings.digest_timezone) == (
        "en",
        "09:00",
        "UTC",
    )
    assert settings.redis_url is None
    assert not settings.llm_configured


def test_contract_names_are_fields() -> None:
    assert {name.upper() for name in Settings.model_fields} >= CONTRACT


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://localhost:8081/bot/")
    monkeypatch.setenv("DIGEST_TIME", "08:30")
    monkeypatch.setenv("DIGEST_TIMEZONE", "Asia/Shanghai")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    settings = load_settings()
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == "123:abc"
    assert settings.telegram_api_url == "http://localhost:8081/bot"
    assert settings.digest_time == "08:30"
    assert settings.llm_configured
    assert "123:abc" not in repr(settings)


def test_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("DEFAULT_LANGUAGE=zh\nLLM_MODEL=qwen2.5\n")
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert (settings.default_language, settings.llm_model) == ("zh", "qwen2.5")


@pytest.mark.parametrize(
    ("name", "value", "hint"),
    [
        ("DIGEST_TIME", "25:00", "HH:MM"),
        ("DIGEST_TIME", "9am", "HH:MM"),
        ("DIGEST_TIMEZONE", "Mars/Olympus", "a name like Asia/Shanghai"),
        ("DEFAULT_LANGUAGE", "english", "ISO 639-1"),
        ("REDIS_URL", "localhost:6379", "redis://"),
        ("TELEGRAM_API_URL", "ftp://x", "http"),
        ("LLM_TIMEOUT_SECONDS", "-1", "greater than 0"),
    ],
)
def test_bad_values_are_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str, hint: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert f"{name}:" in message
    assert hint in message


def test_every_bad_value_is_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_TIME", "x")
    monkeypatch.setenv("DIGEST_TIMEZONE", "y")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "DIGEST_TIME:" in str(info.value)
    assert "DIGEST_TIMEZONE:" in str(info.value)


@pytest.mark.parametrize(
    ("name", "key", "value"),
    [
        ("DIGEST_TIMEZONE", "timezone", "UTC+8"),
        ("DIGEST_TIMEZONE", "timezone", "asia/shanghai"),
        ("DIGEST_TIMEZONE", "timezone", "GMT-03:30"),
        ("DIGEST_TIME", "time", "8:30"),
        ("DIGEST_TIME", "time", "08h30"),
        ("DEFAULT_LANGUAGE", "language", "pt-BR"),
        ("DEFAULT_LANGUAGE", "language", "ZH"),
    ],
)
def test_defaults_follow_the_same_rule_as_chat_settings(
    monkeypatch: pytest.MonkeyPatch, name: str, key: str, value: str
) -> None:
    """What /settings accepts, the environment accepts, in the same canonical form (and vice versa)."""
    monkeypatch.setenv(name, value)
    settings = load_settings()
    assert getattr(settings, name.lower()) == parse_setting(key, value)[1]


def test_discord_guild_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_GUILD_IDS", " 880000000000000001, 880000000000000002 ,")
    assert load_settings().discord_guilds == (880000000000000001, 880000000000000002)
    monkeypatch.setenv("DISCORD_GUILD_IDS", "")
    assert load_settings().discord_guilds == ()
    monkeypatch.setenv("DISCORD_GUILD_IDS", "880000000000000001,my-server")
    with pytest.raises(ConfigError, match="DISCORD_GUILD_IDS: expected comma-separated server"):
        load_settings()


def test_the_readme_invites_the_bot_with_the_permissions_it_checks() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert f"permissions={INVITE_PERMISSIONS.value}" in readme  # the invite URL
    assert f"(permissions integer\n   `{INVITE_PERMISSIONS.value}`)" in readme  # and the text
    assert missing_to_post(INVITE_PERMISSIONS, thread=False) == ()
    assert missing_to_post(INVITE_PERMISSIONS, thread=True) == ()


def test_arxiv_user_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().arxiv_user_agent.startswith("arxiv-digest-bot/")
    monkeypatch.setenv("ARXIV_USER_AGENT", "  my-digest/1.0   (mailto:me@example.org) ")
    assert load_settings().arxiv_user_agent == "my-digest/1.0 (mailto:me@example.org)"
    monkeypatch.setenv("ARXIV_USER_AGENT", "bad\u0007agent")
    with pytest.raises(ConfigError, match="ARXIV_USER_AGENT: expected one printable line"):
        load_settings()


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("redis://:pw@h:6379/0", "redis://:***@h:6379/0"),
        ("rediss://user:p%40ss@h/1", "rediss://user:***@h/1"),
        ("https://llm.example/v1?api_key=sk-1&x=2", "https://llm.example/v1?api_key=***&x=2"),
        ("redis://h:6379/0", "redis://h:6379/0"),  # no password: nothing to hide
        ("got 'http://u:pw@a' and 'http://v:pw2@b'", "got 'http://u:***@a' and 'http://v:***@b'"),
    ],
)
def test_credentials_in_urls_are_masked(text: str, masked: str) -> None:
    assert mask_credentials(text) == masked


def test_url_passwords_are_secrets_for_the_log_filter() -> None:
    settings = load_settings(redis_url="redis://:hunter2@h:6379/0", openai_base_url="https://u:llm-pw@x/v1")
    assert {"hunter2", "llm-pw"} <= set(settings.secrets())
