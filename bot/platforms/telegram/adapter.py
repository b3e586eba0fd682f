"""The python-telegram-bot Application: updates in, registry entries run, replies out — nothing else."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from telegram import BotCommand, CallbackQuery, Chat, ChatMember, Message, Update
from telegram.error import TelegramError
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

from bot.core.chat_settings import SettingError, parse_language
from bot.core.i18n import CATALOGS, translate
from bot.core.languages import SOURCE_LANGUAGE
from bot.core.models import ChatKind, ChatRef, UserRef
from bot.platforms.base import Inbound
from bot.platforms.telegram.messenger import TelegramMessenger, relabelled
from handlers import COMMANDS, PRIVATE_TEXT, UNKNOWN_COMMAND, CommandContext
from handlers.context import AdminCheckError
from handlers.failures import UNKNOWN_BUTTON, notice, sorry
from handlers.registry import Handler, button_for
from handlers.replies import ReplySender

log = logging.getLogger(__name__)

TelegramApp = Application[Any, Any, Any, Any, Any, Any]

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


async def _toast(query: CallbackQuery, text: str) -> None:
    """Answer a button press with a short notice; a press too old to answer is only logged (the action
    it asked for still happened, and the chat must not get a message about it)."""
    try:
        await query.answer(text[:200])
    except TelegramError as exc:
        log.info("Could not answer a button press: %s", exc)


class TelegramAdapter:
    """Registers the registry's entries on a PTB Application and translates updates into contexts."""

    def __init__(self, token: str, api_url: str, messenger: TelegramMessenger, inbound: Inbound) -> None:
        self._token = token
        self._api_url = api_url
        self._messenger = messenger
        self._inbound = inbound
        self._replies = ReplySender(messenger, inbound.lifecycle, inbound.pacer)

    def build(self) -> TelegramApp:
        """A configured Application (not yet started)."""
        app: TelegramApp = (
            ApplicationBuilder()
            .token(self._token)
            .base_url(self._api_url)
            # PTB's own calls (getChatMember, button answers) are not group messages: its default of 20 a
            # minute per group would queue every admin check behind a crowd's (issue 12). Messages go
            # through our messenger, which honours Telegram's 429s.
            .rate_limiter(AIORateLimiter(max_retries=3, group_max_rate=0))
            .concurrent_updates(True)  # noqa: FBT003 - PTB's builder API
            .build()
        )
        app.add_handler(MessageHandler(tg_filters.StatusUpdate.MIGRATE, self._on_migrate))
        for command in COMMANDS:
            callback = self._runner(command.handler, slow=command.slow)
            app.add_handler(CommandHandler(command.name, callback, filters=_COMMAND_UPDATES))
        private_text = tg_filters.ChatType.PRIVATE & tg_filters.TEXT & ~tg_filters.COMMAND
        app.add_handler(
            MessageHandler(private_text, self._runner(PRIVATE_TEXT.handler, slow=PRIVATE_TEXT.slow))
        )
        # After every CommandHandler: only commands none of them took reach it (in groups they are left
        # to other bots).
        private_command = tg_filters.ChatType.PRIVATE & tg_filters.COMMAND
        unknown = self._runner(UNKNOWN_COMMAND.handler, slow=UNKNOWN_COMMAND.slow, whole=True)
        app.add_handler(MessageHandler(private_command, unknown))
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_handler(ChatMemberHandler(self._on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_error_handler(self._on_error)
        return app

    @staticmethod
    async def publish_commands(app: TelegramApp) -> None:
        """Set the command menu (setMyCommands) from the command table: the default (English) one, and
        one for each language with a catalog, which Telegram shows to users whose app is in it."""
        await app.bot.set_my_commands([BotCommand(c.name, c.description) for c in COMMANDS])
        for language in CATALOGS:
            if language != SOURCE_LANGUAGE:
                menu = [BotCommand(c.name, translate(language, c.description)) for c in COMMANDS]
                await app.bot.set_my_commands(menu, language_code=language)

    # ----- updates in ----------------------------------------------------------------------------
    def context(self, update: Update, args: str, bot: Any) -> CommandContext | None:
        """Translate a message, channel post or button press into a CommandContext."""
        chat = update.effective_chat
        if chat is None:
            return None
        sender = update.effective_user
        message = update.effective_message
        user = UserRef("telegram", sender.id, sender.language_code) if sender else None
        default_language = self._inbound.commands.config.default_language
        if chat.type == Chat.PRIVATE and sender is not None and sender.language_code:
            with contextlib.suppress(SettingError):
                default_language = parse_language(sender.language_code)

        async def is_member() -> bool:
            if chat.type == Chat.PRIVATE or sender is None:
                return chat.type == Chat.PRIVATE
            try:
                member = await bot.get_chat_member(chat.id, sender.id)
            except TelegramError:
                return False  # cannot tell: a vote is not worth a guess
            return member.status not in {ChatMember.LEFT, ChatMember.BANNED}

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
            services=self._inbound.commands,
            title=chat.title,
            is_admin=is_admin,
            is_member=is_member,
        )

    def _runner(self, handler: Handler, *, slow: bool, whole: bool = False) -> Any:
        async def callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            await self._run(update, context, handler, slow=slow, whole=whole)

        return callback

    async def _run(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, handler: Handler, *, slow: bool, whole: bool
    ) -> None:
        message = update.effective_message
        if message is None or message.text is None:
            return
        text = message.text
        if text.startswith("/") and not whole:  # `whole`: the handler reads the command name too
            parts = text.split(maxsplit=1)
            text = parts[1] if len(parts) > 1 else ""
        ctx = self.context(update, text, context.bot)
        if ctx is None:
            return
        if slow:
            async with self._messenger.typing(ctx.chat):
                reply = await handler(ctx)
        else:
            reply = await handler(ctx)
        if reply is not None:
            await self._replies.send(ctx.chat, reply, reply_to=str(message.message_id))

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.data is None:
            return
        ctx = self.context(update, "", context.bot)
        found = button_for(query.data)
        if ctx is None or found is None:  # forged, or from a release that had other buttons
            await _toast(query, await notice(ctx, UNKNOWN_BUTTON))
            return
        entry, argument = found
        try:
            answer = await entry.handler(ctx, argument)
        except Exception:  # a press is answered privately, never with a message into a group
            log.exception("A button failed in chat %s", ctx.chat.key())
            await _toast(query, (await sorry(ctx)).plain_text())
            return
        await _toast(query, answer.notice)
        markup = query.message.reply_markup if isinstance(query.message, Message) else None
        if answer.relabel and markup is not None and isinstance(query.message, Message):
            outcome = await self._messenger.edit_buttons(
                ctx.chat, str(query.message.message_id), relabelled(markup.to_dict(), answer.relabel)
            )
            await self._inbound.lifecycle.after_send(ctx.chat, outcome)
        if answer.refreshed is not None and isinstance(query.message, Message):
            outcome = await self._messenger.edit_reply(
                ctx.chat, str(query.message.message_id), answer.refreshed
            )
            await self._inbound.lifecycle.after_send(ctx.chat, outcome)

    async def _on_my_chat_member(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None:
            return
        chat = _ref(change.chat.id)
        member = change.new_chat_member
        lifecycle = self._inbound.lifecycle
        if member.status in {ChatMember.BANNED, ChatMember.LEFT}:
            await lifecycle.removed(chat, "blocked" if change.chat.type == Chat.PRIVATE else "removed")
        elif change.chat.type == Chat.CHANNEL and not getattr(member, "can_post_messages", False):
            await lifecycle.removed(chat, "cannot post in the channel")
        else:
            await lifecycle.restored(chat)

    async def _on_migrate(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        lifecycle = self._inbound.lifecycle
        if message.migrate_to_chat_id is not None:
            await lifecycle.migrated(_ref(message.chat_id), _ref(message.migrate_to_chat_id))
        elif message.migrate_from_chat_id is not None:
            await lifecycle.migrated(_ref(message.migrate_from_chat_id), _ref(message.chat_id))

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Unhandled error while processing an update", exc_info=context.error)
        if isinstance(update, Update) and update.callback_query is not None:
            return  # a press that failed was already answered (or can no longer be): no message in the chat
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                ctx = self.context(update, "", context.bot)
                await self._replies.send(_ref(update.effective_chat.id), await sorry(ctx))
            except Exception:  # noqa: BLE001 - the chat may be gone; the error is already logged
                log.warning("Could not tell chat about the error")

    @contextlib.asynccontextmanager
    async def polling(self, poll_timeout: int = 30) -> AsyncIterator[TelegramApp]:
        """The bot started with long polling for the duration of the block."""
        app = self.build()
        async with app:
            await self.publish_commands(app)
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(timeout=poll_timeout, allowed_updates=Update.ALL_TYPES)
            log.info("Telegram bot @%s is polling", app.bot.username)
            try:
                yield app
            finally:
                await app.updater.stop()
                await app.stop()
