"""Running the real Telegram adapter against the fake Bot API, and talking to it as a user would."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from bot.app.composition import Pipeline, Services, build_pipeline, inbound
from bot.platforms.telegram.adapter import TelegramAdapter
from bot.platforms.telegram.messenger import build_messenger
from tests.fakes.telegram_api import FakeTelegram


@contextlib.asynccontextmanager
async def telegram_bot(
    services: Services, *, pipeline: Pipeline | None = None, poll_timeout: int = 1
) -> AsyncIterator[None]:
    """The bot polling the Bot API at services.settings' URL, with `/digest` planned through `pipeline`."""
    settings = services.settings
    assert settings.telegram_bot_token is not None
    token = settings.telegram_bot_token.get_secret_value()
    messenger = build_messenger(
        token, settings.telegram_api_url, timeout=settings.telegram_send_timeout_seconds
    )
    own = pipeline is None
    pipeline = pipeline or build_pipeline(services, {"telegram": messenger}, consumer="test", pacing=False)
    adapter = TelegramAdapter(token, settings.telegram_api_url, messenger, inbound(services, pipeline))
    try:
        async with adapter.polling(poll_timeout):
            yield
    finally:
        await messenger.aclose()
        if own:
            await pipeline.aclose()


async def ask(tg: FakeTelegram, text: str, chat_id: int, **kwargs: Any) -> str:
    """Send `text` into a chat and return the visible text of the bot's (first) reply there."""
    before = len([m for m in tg.sent if m.chat_id == chat_id])
    await tg.push_text(chat_id, text, **kwargs)
    sent = await tg.wait_for_messages(before + 1, chat_id=chat_id)
    return sent[before].visible_text
