"""What a command handler is given: who asked, where, with what arguments, and the services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.app.composition import Services
from bot.core.chat_settings import ChatSettings
from bot.core.models import ChatKind, ChatRef, UserRef
from bot.store.chats import ChatState


class AdminCheckError(Exception):
    """The platform could not tell whether the sender is an admin (so nothing may change)."""


async def _never_admin() -> bool:
    return False


@dataclass(frozen=True, slots=True)
class CommandContext:
    """One command invocation, already translated from the platform's update.

    `default_language` is the language a new chat starts with (the user's, in private chats);
    `is_admin` asks the platform whether the sender may manage the chat (raises AdminCheckError).
    """

    chat: ChatRef
    chat_kind: ChatKind
    user: UserRef | None
    args: str
    default_language: str
    services: Services
    title: str | None = None
    is_admin: Callable[[], Awaitable[bool]] = _never_admin

    def defaults(self) -> ChatSettings:
        """Settings a new chat starts with."""
        settings = self.services.settings
        return ChatSettings(
            language=self.default_language, time=settings.digest_time, timezone=settings.digest_timezone
        )

    async def state(self) -> ChatState | None:
        """The chat's stored state, if any (reading never creates it)."""
        return await self.services.chats.get_chat(self.chat)

    async def ensure_state(self) -> ChatState:
        """The chat's state, created with defaults on first change."""
        return await self.services.chats.ensure_chat(self.chat, self.chat_kind, self.title, self.defaults())

    async def language(self) -> str:
        """The language cards for this chat are written in."""
        state = await self.state()
        return state.settings.language if state else self.default_language
