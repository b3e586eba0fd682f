"""Telegram: the PTB adapter (updates in), its HTML renderers and its one messenger (everything out)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Literal

from bot.platforms.base import Inbound
from bot.platforms.telegram.messenger import TelegramMessenger, build_messenger


class TelegramPlatform:
    """Telegram as the composition root sees it: a messenger, and a polling bot while running."""

    def __init__(self, token: str, api_url: str, send_timeout: float, pool_size: int) -> None:
        self._token = token
        self._api_url = api_url
        self.messenger: TelegramMessenger = build_messenger(token, api_url, send_timeout, pool_size)

    @property
    def name(self) -> Literal["telegram"]:
        """The name chats of this platform carry in ChatRef.platform."""
        return "telegram"

    @contextlib.asynccontextmanager
    async def running(self, inbound: Inbound) -> AsyncIterator[None]:
        """Long polling for the duration of the block."""
        from bot.platforms.telegram.adapter import TelegramAdapter  # noqa: PLC0415 - PTB only where a bot runs

        async with TelegramAdapter(self._token, self._api_url, self.messenger, inbound).polling():
            yield


__all__ = ["TelegramPlatform"]
