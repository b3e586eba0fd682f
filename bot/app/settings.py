"""Configuration from the environment and an optional `.env` file.

Every field's environment name is the upper-cased field name; those names are a public contract
(see README.md, "Configuration").
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.arxiv.client import DEFAULT_USER_AGENT
from bot.core.chat_settings import SettingError, parse_language, parse_time, parse_timezone


def _chat_setting(parse: Callable[[str], str], value: str) -> str:
    """A default for a chat setting, validated and made canonical exactly as `/settings` does it."""
    try:
        return parse(value)
    except SettingError as exc:
        raise ValueError(str(exc)) from None


DEFAULT_DAILY_TOKEN_BUDGET = 2_000_000


class Settings(BaseSettings):
    """All runtime configuration; validated once at start."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        frozen=True,
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    discord_bot_token: SecretStr | None = None
    discord_api_url: str = "https://discord.com/api/v10"
    discord_guild_ids: str = ""
    discord_channel_interval_seconds: float = Field(default=1.0, ge=0, le=60)
    discord_global_rate: float = Field(default=45.0, ge=0, le=50)
    discord_send_timeout_seconds: float = Field(default=20.0, gt=0, le=120)

    redis_url: str | None = None
    redis_key_prefix: str = "arxivbot:"

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_timeout_seconds: float = Field(default=45.0, gt=0, le=120)
    llm_max_retries: int = Field(default=2, ge=0, le=10)
    llm_card_timeout_seconds: float = Field(default=90.0, gt=0, le=600)
    llm_max_concurrency: int = Field(default=4, ge=1, le=64)
    embedding_model: str | None = None
    embedding_base_url: str | None = None

    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    arxiv_rss_url: str = "https://rss.arxiv.org/rss"
    arxiv_html_url: str = "https://arxiv.org/html"
    arxiv_timeout_seconds: float = Field(default=20.0, gt=0, le=120)
    arxiv_request_interval_seconds: float = Field(default=3.0, ge=0, le=60)
    arxiv_user_agent: str = DEFAULT_USER_AGENT
    arxiv_poll_minutes: float = Field(default=60.0, ge=1, le=1440)

    default_language: str = "en"
    digest_time: str = "09:00"
    digest_timezone: str = "UTC"

    # About 1,800 cards a day at ~1,100 tokens each; 0 set explicitly means no limit.
    llm_daily_token_budget: int = Field(default=DEFAULT_DAILY_TOKEN_BUDGET, ge=0)
    llm_max_input_tokens: int = Field(default=6000, ge=1000, le=200_000)

    delivery_global_rate: float = Field(default=25.0, ge=0, le=1000)
    delivery_chat_interval_seconds: float = Field(default=1.0, ge=0, le=60)
    delivery_group_interval_seconds: float = Field(default=3.0, ge=0, le=600)
    delivery_claim_idle_seconds: float = Field(default=60.0, gt=0, le=3600)
    delivery_concurrency: int = Field(default=32, ge=1, le=1000)
    telegram_send_timeout_seconds: float = Field(default=20.0, gt=0, le=120)
    fetch_retry_minutes: int = Field(default=15, ge=1, le=720)
    lookback_days: int = Field(default=7, ge=1, le=7)
    scheduler_tick_seconds: float = Field(default=30.0, gt=0, le=3600)
    metrics_port: int | None = Field(default=None, ge=1, le=65535)

    summarize_per_minute: int = Field(default=5, ge=1, le=1000)
    digest_per_hour: int = Field(default=3, ge=1, le=100)
    max_topics_per_chat: int = Field(default=25, ge=1, le=500)
    chat_retention_days: int = Field(default=30, ge=1, le=3650)
    ledger_retention_days: int = Field(default=60, ge=8, le=3650)
    log_format: str = "text"
    summary_cache_days: int = Field(default=30, ge=1, le=3650)
    log_level: str = "INFO"

    @field_validator(
        "telegram_api_url", "discord_api_url", "arxiv_api_url", "arxiv_rss_url", "arxiv_html_url"
    )
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"expected an http:// or https:// URL, got {value!r}")
        return value.rstrip("/")

    @field_validator("discord_guild_ids")
    @classmethod
    def _guild_ids(cls, value: str) -> str:
        ids = [part.strip() for part in value.split(",") if part.strip()]
        bad = [part for part in ids if not re.fullmatch(r"[0-9]{17,20}", part)]
        if bad:
            raise ValueError(
                f"expected comma-separated server (guild) ids such as 1234567890123456789, got {bad[0]!r}"
            )
        return ",".join(ids)

    @property
    def discord_guilds(self) -> tuple[int, ...]:
        """The servers whose command menus are synced at start (none: the menu is global)."""
        return tuple(int(part) for part in self.discord_guild_ids.split(",") if part)

    @field_validator("arxiv_user_agent")
    @classmethod
    def _user_agent(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value or not value.isprintable() or len(value) > 200:
            raise ValueError(
                "expected one printable line naming the bot and a contact, "
                "e.g. my-bot/1.0 (mailto:me@example.org)"
            )
        return value

    @field_validator("openai_base_url", "embedding_base_url")
    @classmethod
    def _optional_http_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"expected an http:// or https:// URL, got {value!r}")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"expected redis://host:port/db (or rediss://, unix://), got {value!r}")
        return value

    @field_validator("telegram_bot_token", "discord_bot_token", "openai_api_key", mode="before")
    @classmethod
    def _blank_secret_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        return _chat_setting(parse_language, value)

    @field_validator("digest_time")
    @classmethod
    def _time(cls, value: str) -> str:
        return _chat_setting(parse_time, value)

    @field_validator("digest_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return _chat_setting(parse_timezone, value)

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in {"text", "json"}:
            raise ValueError(f"expected text or json, got {value!r}")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError(f"expected DEBUG, INFO, WARNING or ERROR, got {value!r}")
        return value

    @field_validator("embedding_model")
    @classmethod
    def _embedding_model(cls, value: str | None) -> str | None:
        return value.strip() or None if value else None

    @property
    def llm_configured(self) -> bool:
        """True when an OpenAI-compatible endpoint is configured (key or base URL)."""
        return self.openai_api_key is not None or self.openai_base_url is not None

    def secrets(self) -> list[str]:
        """Every secret value, so log filters can redact them."""
        found = [self.telegram_bot_token, self.discord_bot_token, self.openai_api_key]
        tokens = [s.get_secret_value() for s in found if s is not None and s.get_secret_value()]
        return tokens + url_passwords(self.redis_url, self.openai_base_url, self.embedding_base_url)


_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^/@\s:]*)(?::[^/@\s]*)?@", re.IGNORECASE)
_SECRET_QUERY = re.compile(
    r"(?P<name>[?&](?:password|passwd|pass|token|key|api_key|apikey|secret)=)[^&\s'\"]*", re.IGNORECASE
)


def mask_credentials(text: str) -> str:
    """Text with the password of every URL in it (`redis://:pw@host`, `https://u:pw@host`) and secret
    query parameters replaced by `***`: for error messages and logs."""
    masked = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}{':***' if ':' in m[0] else ''}@", text)
    return _SECRET_QUERY.sub(lambda m: f"{m['name']}***", masked)


def url_passwords(*urls: str | None) -> list[str]:
    """The passwords inside URLs, so log filters can redact them wherever they appear."""
    found = []
    for url in urls:
        match = re.match(r"[a-z][a-z0-9+.-]*://[^/@\s:]*:(?P<password>[^/@\s]+)@", url or "", re.IGNORECASE)
        if match:
            found.append(match["password"])
    return found


class ConfigError(Exception):
    """Configuration is invalid; the message lists each bad variable."""


def load_settings(**overrides: object) -> Settings:
    """Load settings from the environment, raising ConfigError with one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = "_".join(str(part) for part in error["loc"]).upper() or "?"
            message = mask_credentials(str(error["msg"]).removeprefix("Value error, "))
            lines.append(f"  {name}: {message}")
        raise ConfigError("Invalid configuration:\n" + "\n".join(lines)) from None
