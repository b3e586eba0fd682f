"""Discord's one outbound port: digest messages and replies posted to a channel over the REST API.

It speaks the REST API directly (JSON over one pooled aiohttp session, `Authorization: Bot <token>`),
like the Telegram messenger, and classifies Discord's answers into the same typed outcomes, so the
digest worker, the ledger and ChatLifecycle work unchanged. A chat is a channel id: a guild text or
announcement channel, a thread, or a direct-message channel.
"""

from __future__ import annotations

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
)
from bot.core.models import Card, ChatRef, Reply
from bot.platforms.discord.embeds import digest_payload, pack_items, reply_payloads
from bot.platforms.http import Answer, JsonSession, send_in_order

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
        headers = {"Authorization": f"Bot {token}", "User-Agent": "arxiv-digest-bot"}
        self._http = JsonSession(timeout, pool_size, connector, headers)

    @property
    def platform(self) -> Literal["discord"]:
        """The name chats of this platform carry in ChatRef.platform."""
        return "discord"

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

        async def send(body: dict[str, Any]) -> Outcome:
            url = f"{self._api}/channels/{chat.chat_id}/messages"
            answer = await self._http.post(url, body, accepted=(200, 201))
            if not isinstance(answer, Answer):
                return answer
            return classify_answer(answer.status, answer.body, answer.retry_after)

        return await send_in_order(bodies, send)

    async def aclose(self) -> None:
        """Close the HTTP session."""
        await self._http.aclose()
