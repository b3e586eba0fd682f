"""Building and running the python-telegram-bot Application."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    MessageHandler,
)
from telegram.ext import filters as tg_filters

from bot.models import ChatKind, ChatRef, TextReply, UserRef
from bot.services import Services
from bot.telegram.send import send_reply, typing
from handlers import COMMANDS, Command, CommandContext
from handlers.summarize import summarize_link

log = logging.getLogger(__name__)

TelegramApp = Application[Any, Any, Any, Any, Any, Any]

SORRY = TextReply.of("Sorry — something went wrong on my side. Please try again in a minute.")
_COMMAND_UPDATES = tg_filters.UpdateType.MESSAGE | tg_filters.UpdateType.CHANNEL_POST


def _chat_kind(chat_type: str) -> ChatKind:
    if chat_type == "private":
        return "private"
    if chat_type == "channel":
        return "channel"
    return "group"


def command_context(update: Update, services: Services) -> CommandContext | None:
    """Translate a message or channel post into a CommandContext; None if it carries no text."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or message.text is None:
        return None
    text = message.text
    if text.startswith("/"):
        parts = text.split(maxsplit=1)
        text = parts[1] if len(parts) > 1 else ""
    sender = update.effective_user
    user = UserRef("telegram", sender.id, sender.language_code) if sender else None
    return CommandContext(
        chat=ChatRef("telegram", chat.id),
        chat_kind=_chat_kind(chat.type),
        user=user,
        args=text,
        language=services.settings.default_language,
        services=services,
    )


class TelegramAdapter:
    """Registers the command table on a PTB Application and runs each command's handler."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def build(self) -> TelegramApp:
        """A configured Application (not yet started)."""
        settings = self._services.settings
        assert settings.telegram_bot_token is not None
        app: TelegramApp = (
            ApplicationBuilder()
            .token(settings.telegram_bot_token.get_secret_value())
            .base_url(settings.telegram_api_url)
            .rate_limiter(AIORateLimiter(max_retries=3))
            .concurrent_updates(True)  # noqa: FBT003 - PTB's builder API
            .build()
        )
        for command in COMMANDS:
            app.add_handler(CommandHandler(command.name, self._callback(command), filters=_COMMAND_UPDATES))
        private_text = tg_filters.ChatType.PRIVATE & tg_filters.TEXT & ~tg_filters.COMMAND
        app.add_handler(MessageHandler(private_text, self._on_private_text))
        app.add_error_handler(self._on_error)
        return app

    @staticmethod
    async def publish_commands(app: TelegramApp) -> None:
        """Set the chat's command menu (setMyCommands) from the command table."""
        await app.bot.set_my_commands([BotCommand(c.name, c.description) for c in COMMANDS])

    def _callback(self, command: Command) -> Any:
        async def callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            await self._run(update, context, command.handler, slow=command.slow)

        return callback

    async def _on_private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._run(update, context, summarize_link, slow=True)

    async def _run(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, handler: Any, *, slow: bool
    ) -> None:
        ctx = command_context(update, self._services)
        message = update.effective_message
        if ctx is None or message is None:
            return
        if slow:
            async with typing(context.bot, ctx.chat.chat_id):
                reply = await handler(ctx)
        else:
            reply = await handler(ctx)
        if reply is not None:
            await send_reply(context.bot, ctx.chat.chat_id, reply, reply_to=message.message_id)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Unhandled error while processing an update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await send_reply(context.bot, update.effective_chat.id, SORRY)
            except Exception:  # noqa: BLE001 - the chat may be gone; the error is already logged
                log.warning("Could not tell chat about the error")


@contextlib.asynccontextmanager
async def polling(services: Services, poll_timeout: int = 30) -> AsyncIterator[TelegramApp]:
    """The bot started with long polling for the duration of the block."""
    app = TelegramAdapter(services).build()
    async with app:
        await TelegramAdapter.publish_commands(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=poll_timeout, allowed_updates=Update.ALL_TYPES)
        log.info("Telegram bot @%s is polling", app.bot.username)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def run_polling(services: Services, stop: asyncio.Event) -> None:
    """Run the bot with long polling until `stop` is set."""
    async with polling(services):
        await stop.wait()
