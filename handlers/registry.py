"""The command table: names, menu descriptions and handlers, read by every platform adapter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.models import Reply
from handlers import digest as digest_handlers
from handlers import help as help_handlers
from handlers import settings as settings_handlers
from handlers import subscriptions as subscription_handlers
from handlers import summarize as summarize_handlers
from handlers.context import CommandContext

Handler = Callable[[CommandContext], Awaitable[Reply | None]]


@dataclass(frozen=True, slots=True)
class Command:
    """One chat command."""

    name: str
    description: str
    handler: Handler
    slow: bool = False  # the adapter shows "typing…" while a slow command works


COMMANDS: tuple[Command, ...] = (
    Command(
        "summarize", "Summary card of a paper: /summarize 2402.01349", summarize_handlers.summarize, slow=True
    ),
    Command("subscribe", "Follow a category or query: /subscribe cs.CL", subscription_handlers.subscribe),
    Command("unsubscribe", "Stop following a topic: /unsubscribe cs.CL", subscription_handlers.unsubscribe),
    Command("topics", "The topics this chat follows", subscription_handlers.topics),
    Command("settings", "Show or change settings: /settings time 08:30", settings_handlers.settings),
    Command("digest", "Today's digest for this chat, now", digest_handlers.digest, slow=True),
    Command("pause", "Pause daily digests", settings_handlers.pause),
    Command("resume", "Resume daily digests", settings_handlers.resume),
    Command("help", "What I can do, with examples", help_handlers.help_command),
    Command("start", "Start talking to the bot", help_handlers.start),
)
