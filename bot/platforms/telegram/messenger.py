"""Telegram's one outbound port: digest messages, command replies, edits and "typing…", over the Bot API.

Everything goes out as JSON over one pooled aiohttp session rather than through python-telegram-bot:
sending needs only a few methods, and PTB's per-request form encoding over httpx costs several
milliseconds of CPU per message (measured: ~400 vs ~2,500 requests per CPU-second) — the difference
between hundreds and thousands of messages a second. PTB still receives updates and asks questions
(getChatMember, setMyCommands) in the adapter.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, Literal

import aiohttp

from bot.cards.feedback import card_buttons
from bot.core.delivery import (
    DigestHeader,
    DigestMessage,
    Failed,
    Mode,
    Moved,
    Outcome,
    Refused,
    Retry,
    Sent,
)
from bot.core.models import Button, Card, CardsReply, ChatRef, Reply, TextReply
from bot.platforms.http import Answer, JsonSession, send_in_order
from bot.platforms.telegram import html
from bot.platforms.telegram.digest import pack_items, render_digest

TYPING_REFRESH_SECONDS = 4.5  # Telegram shows "typing…" for about 5 s per chat action
_NO_PREVIEW = {"is_disabled": True}


def classify_answer(status: int, body: dict[str, Any]) -> Outcome:  # noqa: PLR0911 - one answer per case
    """What a Bot API answer means for the ledger and the reply path."""
    if status == 200 and body.get("ok"):
        result = body.get("result")
        return Sent(str(result["message_id"]) if isinstance(result, dict) else "")
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


def render_reply(reply: Reply) -> list[str]:
    """The HTML messages that carry a reply."""
    if isinstance(reply, TextReply):
        return html.render_text(reply)
    assert isinstance(reply, CardsReply)
    return html.render_cards(reply.cards, reply.intro)


def preview(text: str, cards: Iterable[Card]) -> dict[str, Any]:
    """Link preview options for one message: the key figure of its first card that has one, shown large
    above the text; no preview otherwise (a preview of the arXiv page would only repeat the card)."""
    for card in cards:
        if card.figure_url and html.escape(card.figure_url) in text:
            return {"url": card.figure_url, "prefer_large_media": True, "show_above_text": True}
    return _NO_PREVIEW


def _button(button: Button) -> dict[str, str]:
    return {"text": button.label, "callback_data": button.payload}


def keyboard(reply: Reply) -> dict[str, Any] | None:
    """The reply's buttons as an inline keyboard, one per row, or None."""
    if not isinstance(reply, TextReply) or not reply.buttons:
        return None
    return {"inline_keyboard": [[_button(button)] for button in reply.buttons]}


def relabelled(markup: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    """An inline keyboard with some buttons (by callback data) given new labels, the rest as it was."""
    rows = [
        [{**b, "text": labels.get(str(b.get("callback_data")), b.get("text", ""))} for b in row]
        for row in markup.get("inline_keyboard", [])
    ]
    return {"inline_keyboard": rows}


class TelegramMessenger:
    """The Messenger for Telegram chats."""

    def __init__(
        self,
        api_url: str,
        token: str,
        timeout: float,
        pool_size: int = 64,
        connector: Callable[[], aiohttp.BaseConnector] | None = None,
    ) -> None:
        self._base = f"{api_url}{token}/"
        self._http = JsonSession(timeout, pool_size, connector)

    @property
    def platform(self) -> Literal["telegram"]:
        """The name chats of this platform carry in ChatRef.platform."""
        return "telegram"

    # ----- digests -------------------------------------------------------------------------------
    def pack(self, header: DigestHeader | None, items: list[tuple[Card, Mode]], more: int) -> list[list[int]]:
        """Messages of at most 4096 visible characters."""
        return pack_items(header, items, more)

    async def send_digest(self, chat: ChatRef, message: DigestMessage) -> Outcome:
        """Send one digest message (rarely in parts); its cards' 👍/👎 buttons under the last part."""
        cards = [card for card, mode in message.items if mode == "card"]
        parts: list[dict[str, Any]] = [
            {"text": text, "link_preview_options": preview(text, cards)} for text in render_digest(message)
        ]
        rows = [[_button(b) for b in card_buttons(card)] for card, mode in message.items if mode == "card"]
        if rows:
            parts[-1]["reply_markup"] = {"inline_keyboard": rows}
        return await self._send_parts(chat, parts)

    # ----- replies -------------------------------------------------------------------------------
    async def send_reply(self, chat: ChatRef, reply: Reply, reply_to: str | None = None) -> Outcome:
        """Send every message of a reply in order; the first answers `reply_to`, the last carries buttons."""
        texts = render_reply(reply)
        cards = reply.cards if isinstance(reply, CardsReply) else ()
        parts: list[dict[str, Any]] = [
            {"text": text, "link_preview_options": preview(text, cards)} for text in texts
        ]
        if reply_to is not None:
            parts[0]["reply_parameters"] = {"message_id": int(reply_to), "allow_sending_without_reply": True}
        markup = keyboard(reply)
        if markup is not None:
            parts[-1]["reply_markup"] = markup
        return await self._send_parts(chat, parts)

    async def edit_reply(self, chat: ChatRef, message_id: str, reply: TextReply) -> Outcome:
        """Replace a message's text and buttons (a reply too long for one message is cut to its first)."""
        payload: dict[str, Any] = {
            "chat_id": chat.chat_id,
            "message_id": int(message_id),
            "text": render_reply(reply)[0],
            "parse_mode": "HTML",
            "link_preview_options": _NO_PREVIEW,
        }
        markup = keyboard(reply)
        if markup is not None:
            payload["reply_markup"] = markup
        return await self._call("editMessageText", payload)

    async def edit_buttons(self, chat: ChatRef, message_id: str, markup: dict[str, Any]) -> Outcome:
        """Replace a message's inline keyboard only (its text stays)."""
        payload = {"chat_id": chat.chat_id, "message_id": int(message_id), "reply_markup": markup}
        return await self._call("editMessageReplyMarkup", payload)

    @contextlib.asynccontextmanager
    async def typing(self, chat: ChatRef) -> AsyncIterator[None]:
        """Show "typing…" in the chat until the block ends (a lost chat action never fails the command)."""

        async def keep_typing() -> None:
            while True:
                with contextlib.suppress(Exception):  # e.g. the session closing at shutdown
                    await self._call("sendChatAction", {"chat_id": chat.chat_id, "action": "typing"})
                await asyncio.sleep(TYPING_REFRESH_SECONDS)

        task = asyncio.create_task(keep_typing())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # ----- the wire ------------------------------------------------------------------------------
    async def _send_parts(self, chat: ChatRef, parts: list[dict[str, Any]]) -> Outcome:
        """Send messages in order; a failure after a part was accepted is uncertain (never resent)."""

        async def send(part: dict[str, Any]) -> Outcome:
            payload = {
                "chat_id": chat.chat_id,
                "parse_mode": "HTML",
                "link_preview_options": _NO_PREVIEW,
                **part,
            }
            return await self._call("sendMessage", payload)

        return await send_in_order(parts, send)

    async def _call(self, method: str, payload: dict[str, Any]) -> Outcome:
        answer = await self._http.post(self._base + method, payload)
        return classify_answer(answer.status, answer.body) if isinstance(answer, Answer) else answer

    async def aclose(self) -> None:
        """Close the HTTP session."""
        await self._http.aclose()


def build_messenger(
    token: str,
    api_url: str,
    timeout: float,
    pool_size: int = 64,
    connector: Callable[[], aiohttp.BaseConnector] | None = None,
) -> TelegramMessenger:
    """A messenger with one pooled HTTP session (`connector` lets tests inject network faults)."""
    return TelegramMessenger(api_url, token, timeout, pool_size, connector)
