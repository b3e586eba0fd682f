"""Sending digest messages to the Bot API, and classifying each outcome for the ledger.

Delivery talks to the Bot API directly (JSON over one pooled aiohttp session) rather than through
python-telegram-bot: it needs nothing but sendMessage, and PTB's per-request form encoding over httpx
costs several milliseconds of CPU per message (measured: ~400 vs ~2,500 requests per CPU-second) — the
difference between hundreds and thousands of messages a second. The interactive bot keeps using PTB.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import aiohttp

from bot.core.delivery import (
    DigestHeader,
    DigestMessage,
    Failed,
    Moved,
    Outcome,
    Refused,
    Retry,
    Sent,
    Uncertain,
)
from bot.core.models import Card, ChatRef
from bot.platforms.telegram.digest import pack_items, render_digest
from bot.store.ledger import Mode

# Errors raised before a single byte of the request left: resending cannot duplicate anything.
NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


def classify_answer(status: int, body: dict[str, Any]) -> Outcome:  # noqa: PLR0911 - one answer per case
    """What a Bot API answer means for the ledger."""
    if status == 200 and body.get("ok"):
        return Sent(str(body["result"]["message_id"]))
    description = str(body.get("description", f"HTTP {status}"))
    parameters = body.get("parameters") or {}
    if "retry_after" in parameters:
        return Retry(
            after=float(parameters["retry_after"]), reason="rate limited by Telegram", rate_limited=True
        )
    if "migrate_to_chat_id" in parameters:
        return Moved(int(parameters["migrate_to_chat_id"]))
    if status == 403:
        return Refused(description)
    if status == 400:
        return Failed(description)
    if status in {401, 404}:  # a wrong token or URL is an operator's mistake: keep the papers queued
        return Retry(after=30.0, reason=f"the Bot API refused the bot ({description})")
    return Retry(after=2.0, reason=f"Telegram server error: {description}")


class TelegramSender:
    """The Sender for Telegram chats."""

    def __init__(
        self,
        api_url: str,
        token: str,
        timeout: float,
        pool_size: int = 64,
        connector: Callable[[], aiohttp.BaseConnector] | None = None,
    ) -> None:
        self._url = f"{api_url}{token}/sendMessage"
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=timeout)
        self._pool_size = pool_size
        self._connector = connector
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Created on first use: a session belongs to the event loop it was made in.
        if self._session is None:
            connector = self._connector() if self._connector else aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        return self._session

    def pack(self, header: DigestHeader | None, items: list[tuple[Card, Mode]], more: int) -> list[list[int]]:
        """Messages of at most 4096 visible characters."""
        return pack_items(header, items, more)

    async def send(self, chat: ChatRef, message: DigestMessage) -> Outcome:
        """Send the message (rarely in parts); a failure after a part was accepted is uncertain."""
        first: str | None = None
        for text in render_digest(message):
            outcome = await self._send_text(chat.chat_id, text)
            if not isinstance(outcome, Sent):
                if first is not None and not isinstance(outcome, Uncertain):
                    return Uncertain(f"only part of the message was sent ({outcome})")
                return outcome
            first = first or outcome.message_id
        return Sent(first or "")

    async def _send_text(self, chat_id: int, text: str) -> Outcome:
        payload = {
            "chat_id": chat_id,
            "text": text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        try:
            async with self._client().post(self._url, json=payload) as response:
                status, raw = response.status, await response.read()
        except NOT_SENT as exc:
            return Retry(after=1.0, reason=f"connection failed before sending ({type(exc).__name__})")
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Uncertain(f"no answer after sending ({type(exc).__name__})")
        try:
            body = json.loads(raw)
        except ValueError:
            if status == 200:
                return Uncertain("an unreadable answer to an accepted request")
            return Retry(after=2.0, reason=f"Telegram answered HTTP {status}")
        return classify_answer(status, body)

    async def aclose(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def build_sender(
    token: str,
    api_url: str,
    timeout: float,
    pool_size: int = 64,
    connector: Callable[[], aiohttp.BaseConnector] | None = None,
) -> TelegramSender:
    """A sender with one pooled HTTP session (`connector` lets tests inject network faults)."""
    return TelegramSender(api_url, token, timeout, pool_size, connector)
