"""Building and running the python-telegram-bot Application: updates in, replies out, nothing else."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from telegram import BotCommand, Chat, ChatMember, Message, Update
from telegram.error import ChatMigrated, Forbidden, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
)
from telegram.ext import filters as tg_filters

from bot.app.composition import Services
from bot.core.chat_settings import SettingError, parse_language
from bot.core.models import ChatKind, ChatRef, Reply, TextReply, UserRef
from bot.platforms.telegram.send import edit_reply, send_reply, typing
from bot.store.lifecycle import bot_removed, bot_restored, chat_migrated
from handlers import COMMANDS, Command, CommandContext
from handlers.context import AdminCheckError
from handlers.subscriptions import UNSUBSCRIBE_PREFIX, unsubscribe_button
from handlers.summarize import summarize_link

log = logging.getLogger(__name__)

TelegramApp = Application[Any, Any, Any, Any, Any, Any]
Handler = Callable[[CommandContext], Awaitable[Reply | None]]

SORRY = TextReply.of("Sorry — something went wrong on my side. Please try again in a minute.")
ANONYMOUS_ADMIN_BOT_ID = 1087968824  # "GroupAnonymousBot", the sender of anonymous admins' messages
_COMMAND_UPDATES = tg_filters.UpdateType.MESSAGE | tg_filters.UpdateType.CHANNEL_POST
_ADMIN_STATUSES = {ChatMember.OWNER, ChatMember.ADMINISTRATOR}


def chat_kind(chat_type: str) -> ChatKind:
    """Telegram's chat types in our three kinds (groups and supergroups behave alike)."""
    if chat_type == Chat.PRIVATE:
        return "private"
    if chat_type == Chat.CHANNEL:
        return "channel"
    return "group"


def _ref(chat_id: int) -> ChatRef:
    return ChatRef("telegram", chat_id)


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
        app.add_handler(MessageHandler(tg_filters.StatusUpdate.MIGRATE, self._on_migrate))
        for command in COMMANDS:
            app.add_handler(CommandHandler(command.name, self._callback(command), filters=_COMMAND_UPDATES))
        private_text = tg_filters.ChatType.PRIVATE & tg_filters.TEXT & ~tg_filters.COMMAND
        app.add_handler(MessageHandler(private_text, self._on_private_text))
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_handler(ChatMemberHandler(self._on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_error_handler(self._on_error)
        return app

    @staticmethod
    async def publish_commands(app: TelegramApp) -> None:
        """Set the chat's command menu (setMyCommands) from the command table."""
        await app.bot.set_my_commands([BotCommand(c.name, c.description) for c in COMMANDS])

    # ----- updates in ----------------------------------------------------------------------------
    def context(self, update: Update, args: str, bot: Any) -> CommandContext | None:
        """Translate a message, channel post or button press into a CommandContext."""
        chat = update.effective_chat
        if chat is None:
            return None
        sender = update.effective_user
        message = update.effective_message
        user = UserRef("telegram", sender.id, sender.language_code) if sender else None
        default_language = self._services.settings.default_language
        if chat.type == Chat.PRIVATE and sender is not None and sender.language_code:
            with contextlib.suppress(SettingError):
                default_language = parse_language(sender.language_code)

        async def is_admin() -> bool:
            pressed = update.callback_query is not None  # a button's message is the bot's, not the sender's
            sender_chat = None if pressed or message is None else message.sender_chat
            if sender_chat is not None:
                return sender_chat.id == chat.id  # an anonymous admin posts as the group itself
            if sender is None or sender.id == ANONYMOUS_ADMIN_BOT_ID:
                return False
            try:
                member = await bot.get_chat_member(chat.id, sender.id)
            except TelegramError as exc:
                raise AdminCheckError(str(exc)) from exc
            return member.status in _ADMIN_STATUSES

        return CommandContext(
            chat=_ref(chat.id),
            chat_kind=chat_kind(chat.type),
            user=user,
            args=args,
            default_language=default_language,
            services=self._services,
            title=chat.title,
            is_admin=is_admin,
        )

    def _callback(self, command: Command) -> Any:
        async def callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            await self._run(update, context, command.handler, slow=command.slow)

        return callback

    async def _on_private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._run(update, context, summarize_link, slow=True)

    async def _run(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, handler: Handler, *, slow: bool
    ) -> None:
        message = update.effective_message
        if message is None or message.text is None:
            return
        text = message.text
        if text.startswith("/"):
            parts = text.split(maxsplit=1)
            text = parts[1] if len(parts) > 1 else ""
        ctx = self.context(update, text, context.bot)
        if ctx is None:
            return
        if slow:
            async with typing(context.bot, ctx.chat.chat_id):
                reply = await handler(ctx)
        else:
            reply = await handler(ctx)
        if reply is not None:
            await self.deliver(context.bot, ctx.chat, reply, reply_to=message.message_id)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.data is None:
            return
        ctx = self.context(update, "", context.bot)
        if ctx is None or not query.data.startswith(UNSUBSCRIBE_PREFIX):
            await query.answer()
            return
        notice, refreshed = await unsubscribe_button(ctx, query.data.removeprefix(UNSUBSCRIBE_PREFIX))
        await query.answer(notice[:200])
        if refreshed is not None and isinstance(query.message, Message):
            await edit_reply(context.bot, query.message.chat_id, query.message.message_id, refreshed)

    async def _on_my_chat_member(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None:
            return
        chat = _ref(change.chat.id)
        member = change.new_chat_member
        if member.status in {ChatMember.BANNED, ChatMember.LEFT}:
            await bot_removed(
                self._services, chat, "blocked" if change.chat.type == Chat.PRIVATE else "removed"
            )
        elif change.chat.type == Chat.CHANNEL and not getattr(member, "can_post_messages", False):
            await bot_removed(self._services, chat, "cannot post in the channel")
        else:
            await bot_restored(self._services, chat)

    async def _on_migrate(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id is not None:
            await chat_migrated(self._services, _ref(message.chat_id), _ref(message.migrate_to_chat_id))
        elif message.migrate_from_chat_id is not None:
            await chat_migrated(self._services, _ref(message.migrate_from_chat_id), _ref(message.chat_id))

    # ----- replies out ---------------------------------------------------------------------------
    async def deliver(self, bot: Any, chat: ChatRef, reply: Reply, reply_to: int | None = None) -> None:
        """Send a reply, following a chat's migration once and deactivating chats that refuse us."""
        try:
            await send_reply(bot, chat.chat_id, reply, reply_to=reply_to)
        except ChatMigrated as exc:
            new = _ref(exc.new_chat_id)
            await chat_migrated(self._services, chat, new)
            await send_reply(bot, new.chat_id, reply)
        except Forbidden as exc:
            log.info("Chat %s refuses messages: %s", chat.key(), exc.message)
            await bot_removed(self._services, chat, "forbidden")

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
