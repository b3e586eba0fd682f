"""Turning a Reply into Telegram messages and sending them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters
from telegram.constants import ChatAction, ParseMode

from bot.core.models import CardsReply, Reply, TextReply
from bot.platforms.telegram import html as telegram_html

TYPING_REFRESH_SECONDS = 4.5  # Telegram shows "typing…" for about 5 s per chat action


def render(reply: Reply) -> list[str]:
    """The HTML messages that carry a reply."""
    if isinstance(reply, TextReply):
        return telegram_html.render_text(reply)
    assert isinstance(reply, CardsReply)
    return telegram_html.render_cards(reply.cards, reply.intro)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's buttons, one per row, or None."""
    if not isinstance(reply, TextReply) or not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(button.label, callback_data=button.payload)] for button in reply.buttons]
    )


async def send_reply(bot: Bot, chat_id: int, reply: Reply, reply_to: int | None = None) -> None:
    """Send every message of a reply in order; the first answers `reply_to`, the last carries buttons."""
    messages = render(reply)
    for index, text in enumerate(messages):
        parameters = None
        if reply_to is not None and index == 0:
            parameters = ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
        await bot.send_message(
            chat_id=chat_id,
            text=text,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_parameters=parameters,
            reply_markup=keyboard(reply) if index == len(messages) - 1 else None,
        )


async def edit_reply(bot: Bot, chat_id: int, message_id: int, reply: TextReply) -> None:
    """Replace a message's text and buttons (a reply that no longer fits one message is cut to the first)."""
    await bot.edit_message_text(
        chat_id=chat_id,
        message_id=message_id,
        text=render(reply)[0],
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        reply_markup=keyboard(reply),
    )


@contextlib.asynccontextmanager
async def typing(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" in the chat until the block ends."""

    async def keep_typing() -> None:
        while True:
            with contextlib.suppress(Exception):  # a lost chat action must never fail the command
                await bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)
            await asyncio.sleep(TYPING_REFRESH_SECONDS)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
