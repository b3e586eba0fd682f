"""What a command handler is given: who asked, where, with what arguments, and the services it may use."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.cards.build import CardMaker
from bot.core.chat_settings import ChatSettings
from bot.core.chats import ChatState
from bot.core.i18n import N_
from bot.core.models import ChatKind, ChatRef, TextReply, UserRef
from bot.core.ports import PaperSource
from bot.store.chats import ChatStore
from bot.store.feedback import Feedback
from bot.store.ledger import Ledger
from bot.store.limits import RateLimiter

DigestNow = Callable[[ChatRef], Awaitable[int | None]]
"""Plans an on-demand digest round for a chat; returns how many papers it planned, or None when another
process was planning the chat's round at that moment."""

RestartDigests = Callable[[ChatRef], Awaitable[None]]
"""Makes a chat's digests start from now (after a pause: nothing announced meanwhile is caught up on)."""


class AdminCheckError(Exception):
    """The platform could not tell whether the sender is an admin (so nothing may change)."""


@dataclass(frozen=True, slots=True)
class CommandConfig:
    """The configuration values command logic reads (from settings, via the composition root)."""

    default_language: str
    digest_time: str
    digest_timezone: str
    max_topics_per_chat: int
    summarize_per_minute: int
    digest_per_hour: int


@dataclass(frozen=True, slots=True)
class RefusalLimits:
    """How often a group hears "only admins can…": once per member per `member` window, and at most
    `chat`'s limit a minute in all; refusals beyond either are muted."""

    member: RateLimiter
    chat: RateLimiter


@dataclass(frozen=True, slots=True)
class CommandServices:
    """Exactly what handlers use, built complete by the composition root."""

    config: CommandConfig
    chats: ChatStore
    cards: CardMaker
    summarize_limit: RateLimiter
    digest_limit: RateLimiter
    digest_now: DigestNow
    restart_digests: RestartDigests
    feedback: Feedback
    papers: PaperSource
    ledger: Ledger
    refusals: RefusalLimits


@dataclass(frozen=True, slots=True)
class ButtonAnswer:
    """What pressing a button does: a short notice (a toast), and the pressed message's new content, or
    only new labels for some of its buttons (payload → label; the message's text stays as it is)."""

    notice: str
    refreshed: TextReply | None = None
    relabel: dict[str, str] = field(default_factory=dict)


async def _never_admin() -> bool:
    return False


async def _no_obstacle() -> tuple[str, ...]:
    return ()


async def _always_member() -> bool:
    return True


PostingCheck = Callable[[], Awaitable[tuple[str, ...]]]
"""What the bot lacks to post digests in the chat (e.g. missing permissions, by name); empty when it can."""


@dataclass(frozen=True, slots=True)
class CommandContext:
    """One command invocation, already translated from the platform's update.

    `default_language` is the language a new chat starts with (the user's, in private chats);
    `is_admin` asks the platform whether the sender may manage the chat (raises AdminCheckError), and
    `managers` names who may, in the platform's words; `missing_rights` asks what the bot lacks to post
    digests there; `server_id` is the server (Discord guild) the chat belongs to, if the platform has them.
    """

    chat: ChatRef
    chat_kind: ChatKind
    user: UserRef | None
    args: str
    default_language: str
    services: CommandServices
    title: str | None = None
    is_admin: Callable[[], Awaitable[bool]] = _never_admin
    managers: str = N_("this group's admins")  # translated where it is shown
    missing_rights: PostingCheck = _no_obstacle
    server_id: int | None = None
    is_member: Callable[[], Awaitable[bool]] = _always_member  # whether the sender belongs to the chat

    def defaults(self) -> ChatSettings:
        """Settings a new chat starts with."""
        config = self.services.config
        return ChatSettings(
            language=self.default_language, time=config.digest_time, timezone=config.digest_timezone
        )

    async def state(self) -> ChatState | None:
        """The chat's stored state, if any (reading never creates it)."""
        return await self.services.chats.get_chat(self.chat)

    async def ensure_state(self) -> ChatState:
        """The chat's state, created with defaults on first change."""
        return await self.services.chats.ensure_chat(
            self.chat, self.chat_kind, self.title, self.defaults(), self.server_id
        )

    async def language(self) -> str:
        """The language cards for this chat are written in."""
        state = await self.state()
        return state.settings.language if state else self.default_language
