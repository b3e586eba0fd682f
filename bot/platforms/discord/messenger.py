"""Discord's one outbound port: digest messages and replies posted to a channel over the REST API.

It speaks the REST API directly (JSON over one pooled aiohttp session, `Authorization: Bot <token>`),
like the Telegram messenger, and classifies Discord's answers into the same typed outcomes, so the
digest worker, the ledger and ChatLifecycle work unchanged. A chat is a channel id: a guild text or
announcement channel, a thread, or a direct-message channel.

Every message carries a `nonce` with `enforce_nonce`, so Discord itself drops a second copy sent with the
same nonce within a few minutes: when a send times out after the request left (it may or may not have
been posted), the messenger sends the same body again at once and learns what happened, instead of
reporting the papers `uncertain`. A digest message's nonce is derived from the chat and its papers, so a
worker's own retry of that message is deduplicated too; a reply's nonce is random (the same words may
rightly be sent twice).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Awaitable, Callable, Mapping
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
from bot.platforms.http import Answer, JsonSession, send_in_order

# JSON error codes meaning the bot may not post in this channel any more.
REFUSING_CODES = {
    10003: "the channel no longer exists",
    50001: "the bot has no access to the channel",
    50007: "the user does not accept direct messages from the bot",
    50013: "the bot lacks permission to post there",
    50083: "the thread is archived",
}
NONCE_LENGTH = 25  # Discord's limit
AMBIGUOUS_RESENDS = 2  # after a send with no answer, the same body (same nonce) goes again this often
RESEND_DELAY_SECONDS = 0.5
RESET_MARGIN_SECONDS = 0.05  # the reset time is rounded to milliseconds and our clocks differ a little


def classify_answer(status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None) -> Outcome:
    """What a Discord REST answer means for the ledger and the reply path."""
    headers = headers or {}
    if status in {200, 201}:
        return Sent(str(body.get("id", "")), pause=spent_budget(headers))
    message = str(body.get("message", f"HTTP {status}"))
    code = body.get("code")
    if status == 429:
        after = float(body.get("retry_after") or headers.get("retry-after") or 1.0)
        everywhere = bool(body.get("global")) or headers.get("x-ratelimit-scope") == "global"
        scope = "globally" if everywhere else "in this channel"
        return Retry(
            after=after,
            reason=f"rate limited by Discord {scope}",
            rate_limited=True,
            scope="global" if everywhere else "chat",
        )
    if isinstance(code, int) and code in REFUSING_CODES:
        return Refused(f"{REFUSING_CODES[code]} ({message})")
    if status == 401:  # a wrong token is an operator's mistake: keep the papers queued
        return Retry(after=30.0, reason=f"Discord refused the bot's token ({message})")
    if status in {400, 403, 404, 413}:
        return Failed(f"Discord rejected the message: {message}")
    return Retry(after=2.0, reason=f"Discord server error: {message}")


def spent_budget(headers: Mapping[str, str]) -> float:
    """Seconds until the channel's rate-limit bucket refills, when the answer says it is empty (else 0)."""
    if headers.get("x-ratelimit-remaining") != "0":
        return 0.0
    try:
        reset = float(headers.get("x-ratelimit-reset-after", "0"))
    except ValueError:
        return 0.0
    return max(0.0, reset) + RESET_MARGIN_SECONDS


def digest_nonce(chat: ChatRef, message: DigestMessage) -> str:
    """The same nonce for the same papers to the same chat: a resent digest message is deduplicated."""
    papers = ",".join(card.arxiv_id for card, _ in message.items)
    return hashlib.sha256(f"{chat.key()}|{papers}".encode()).hexdigest()[:NONCE_LENGTH]


async def resend_when_unanswered(send: Callable[[], Awaitable[Outcome]]) -> Outcome:
    """Send; after no answer, send the same body again (Discord drops the copy by its nonce).

    Once an attempt went unanswered, anything but a final `Sent` stays `Uncertain`: a later resend by
    someone else, outside Discord's deduplication window, could post a second copy.
    """
    outcome = await send()
    ambiguous = False
    for _resend in range(AMBIGUOUS_RESENDS):
        if not isinstance(outcome, Uncertain) and not (ambiguous and isinstance(outcome, Retry)):
            break
        ambiguous = True
        await asyncio.sleep(RESEND_DELAY_SECONDS)
        outcome = await send()
    if ambiguous and not isinstance(outcome, Sent | Uncertain):
        return Uncertain(f"no answer to an earlier attempt, then {outcome}")
    return outcome


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
        # The header travels as message content, outside the embed limits; only its language matters here.
        return pack_items(items, more, header.language if header is not None else "en")

    async def send_digest(self, chat: ChatRef, message: DigestMessage) -> Outcome:
        """Post one digest message."""
        return await self._post(chat, [digest_payload(message)], digest_nonce(chat, message))

    async def send_reply(self, chat: ChatRef, reply: Reply, reply_to: str | None = None) -> Outcome:
        """Post a reply (the first message answering `reply_to` when given)."""
        bodies = reply_payloads(reply)
        if reply_to is not None:
            bodies[0]["message_reference"] = {"message_id": reply_to, "fail_if_not_exists": False}
        return await self._post(chat, bodies, secrets.token_hex(8))

    async def _post(self, chat: ChatRef, bodies: list[dict[str, Any]], nonce: str) -> Outcome:
        """Post messages in order; a failure after one was accepted is uncertain (never resent)."""
        url = f"{self._api}/channels/{chat.chat_id}/messages"

        async def send(indexed: tuple[int, dict[str, Any]]) -> Outcome:
            index, body = indexed
            own = nonce if index == 0 else hashlib.sha256(f"{nonce}/{index}".encode()).hexdigest()
            unique = {**body, "nonce": own[:NONCE_LENGTH], "enforce_nonce": True}

            async def attempt() -> Outcome:
                answer = await self._http.post(url, unique, accepted=(200, 201))
                if not isinstance(answer, Answer):
                    return answer
                return classify_answer(answer.status, answer.body, answer.headers)

            return await resend_when_unanswered(attempt)

        return await send_in_order(enumerate(bodies), send)

    async def aclose(self) -> None:
        """Close the HTTP session."""
        await self._http.aclose()
