"""Discord's one outbound port: digest messages and replies posted to a channel over the REST API.

It speaks the REST API directly (JSON over one pooled aiohttp session, `Authorization: Bot <token>`),
like the Telegram messenger, and classifies Discord's answers into the same typed outcomes, so the
digest worker, the ledger and ChatLifecycle work unchanged. A chat is a channel id: a guild text or
announcement channel, a thread, or a direct-message channel.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

import aiohttp

from bot.core.delivery import (
    DigestHeader,
    DigestMessage,
    Failed,
    Mode,
    Outcome,
    Refused,
    Retry,
    Sent,
    Uncertain,
)
from bot.core.models import Card, ChatRef, Reply
from bot.platforms.discord.embeds import digest_payload, pack_items, reply_payloads

NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
# JSON error codes meaning the bot may not post in this channel any more.
REFUSING_CODES = {
    10003: "the channel no longer exists",
    50001: "the bot has no access to the channel",
    50007: "the user does not accept direct messages from the bot",
    50013: "the bot lacks permission to post there",
    50083: "the thread is archived",
}


def classify_answer(status: int, body: dict[str, Any], retry_header: str | None = None) -> Outcome:
    """What a Discord REST answer means for the ledger and the reply path."""
    if status in {200, 201}:
        return Sent(str(body.get("id", "")))
    message = str(body.get("message", f"HTTP {status}"))
    code = body.get("code")
    if status == 429:
        after = body.get("retry_after", retry_header or 1.0)
        scope = "globally" if body.get("global") else "in this channel"
        return Retry(after=float(after), reason=f"rate limited by Discord {scope}", rate_limited=True)
    if isinstance(code, int) and code in REFUSING_CODES:
        return Refused(f"{REFUSING_CODES[code]} ({message})")
    if status == 401:  # a wrong token is an operator's mistake: keep the papers queued
        return Retry(after=30.0, reason=f"Discord refused the bot's token ({message})")
    if status in {400, 403, 404, 413}:
        return Failed(f"Discord rejected the message: {message}")
    return Retry(after=2.0, reason=f"Discord server error: {message}")


class DiscordMessenger:
    """The Messenger for Discord channels."""

    def __init__(
        self,
        api_url: str,
        token: str,
        timeout: float,
        pool_size: int = 64,
        connector: Callable[[], aiohttp.BaseConnector] | None = None,
    ) -> None:
        self._api = api_url.rstrip("/")
        self._headers = {"Authorization": f"Bot {token}", "User-Agent": "arxiv-digest-bot"}
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=timeout)
        self._pool_size = pool_size
        self._connector = connector
        self._session: aiohttp.ClientSession | None = None

    @property
    def platform(self) -> Literal["discord"]:
        """The name chats of this platform carry in ChatRef.platform."""
        return "discord"

    def _client(self) -> aiohttp.ClientSession:
        # Created on first use: a session belongs to the event loop it was made in.
        if self._session is None:
            connector = self._connector() if self._connector else aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self._timeout, headers=self._headers
            )
        return self._session

    def pack(self, header: DigestHeader | None, items: list[tuple[Card, Mode]], more: int) -> list[list[int]]:
        """Messages of at most 10 embeds and 6,000 embed characters."""
        del header  # it travels as message content, outside the embed limits
        return pack_items(items, more)

    async def send_digest(self, chat: ChatRef, message: DigestMessage) -> Outcome:
        """Post one digest message."""
        return await self._post(chat, [digest_payload(message)])

    async def send_reply(self, chat: ChatRef, reply: Reply, reply_to: str | None = None) -> Outcome:
        """Post a reply (the first message answering `reply_to` when given)."""
        bodies = reply_payloads(reply)
        if reply_to is not None:
            bodies[0]["message_reference"] = {"message_id": reply_to, "fail_if_not_exists": False}
        return await self._post(chat, bodies)

    async def _post(self, chat: ChatRef, bodies: list[dict[str, Any]]) -> Outcome:
        """Post messages in order; a failure after one was accepted is uncertain (never resent)."""
        first: str | None = None
        for body in bodies:
            outcome = await self._call(f"/channels/{chat.chat_id}/messages", body)
            if not isinstance(outcome, Sent):
                if first is not None and not isinstance(outcome, Uncertain):
                    return Uncertain(f"only part of the message was sent ({outcome})")
                return outcome
            first = first or outcome.message_id
        return Sent(first or "")

    async def _call(self, path: str, body: dict[str, Any]) -> Outcome:
        try:
            async with self._client().post(self._api + path, json=body) as response:
                status, raw = response.status, await response.read()
                retry_header = response.headers.get("Retry-After")
        except NOT_SENT as exc:
            return Retry(after=1.0, reason=f"connection failed before sending ({type(exc).__name__})")
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Uncertain(f"no answer after sending ({type(exc).__name__})")
        try:
            answer = json.loads(raw) if raw else {}
        except ValueError:
            if status in {200, 201}:
                return Uncertain("an unreadable answer to an accepted request")
            return Retry(after=2.0, reason=f"Discord answered HTTP {status}")
        return classify_answer(status, answer if isinstance(answer, dict) else {}, retry_header)

    async def aclose(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None
