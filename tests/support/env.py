"""The environment for a bot subprocess: none of the developer's configuration, only what the test sets."""

from __future__ import annotations

import os

from bot.app.settings import Settings


def subprocess_env(**values: str) -> dict[str, str]:
    """os.environ without any of the bot's variables, plus `values` (names as the README spells them)."""
    ours = {name.upper() for name in Settings.model_fields}
    clean = {k: v for k, v in os.environ.items() if k.upper() not in ours}
    return {**clean, **values}


def worker_env(settings: Settings, redis_url: str) -> dict[str, str]:
    """A bot subprocess wired to the same fakes and Redis as `settings`, every platform it has, pacing off."""
    values = {
        "REDIS_URL": redis_url,
        "ARXIV_API_URL": settings.arxiv_api_url,
        "ARXIV_RSS_URL": settings.arxiv_rss_url,
        "ARXIV_HTML_URL": settings.arxiv_html_url,
        "ARXIV_REQUEST_INTERVAL_SECONDS": "0",
        "OPENAI_BASE_URL": settings.openai_base_url or "",
        "OPENAI_API_KEY": "sk-test-fake-key-0123456789",
        "LLM_MODEL": settings.llm_model,
        "DELIVERY_GLOBAL_RATE": "0",
        "DELIVERY_CHAT_INTERVAL_SECONDS": "0",
        "DELIVERY_GROUP_INTERVAL_SECONDS": "0",
        "DISCORD_GLOBAL_RATE": "0",
        "DISCORD_CHANNEL_INTERVAL_SECONDS": "0",
    }
    if settings.telegram_bot_token is not None:
        values["TELEGRAM_BOT_TOKEN"] = settings.telegram_bot_token.get_secret_value()
        values["TELEGRAM_API_URL"] = settings.telegram_api_url
    if settings.discord_bot_token is not None:
        values["DISCORD_BOT_TOKEN"] = settings.discord_bot_token.get_secret_value()
        values["DISCORD_API_URL"] = settings.discord_api_url
    return subprocess_env(**values)
