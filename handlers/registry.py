"""The command table: every way into command logic (commands, button presses, bare text), read by adapters.

An adapter registers each entry with its platform and only translates: it never decides which handler
a payload or a message belongs to.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Concatenate, ParamSpec, TypeVar

from bot.cards.feedback import VOTE_PREFIX
from bot.core.chat_settings import SETTING_KEYS
from bot.core.i18n import N_, using
from bot.core.models import Reply
from handlers import completions
from handlers import digest as digest_handlers
from handlers import feedback as feedback_handlers
from handlers import help as help_handlers
from handlers import settings as settings_handlers
from handlers import subscriptions as subscription_handlers
from handlers import summarize as summarize_handlers
from handlers.completions import Completer
from handlers.context import ButtonAnswer, CommandContext

Handler = Callable[[CommandContext], Awaitable[Reply | None]]

P = ParamSpec("P")
R = TypeVar("R")


def in_chat_language(
    handler: Callable[Concatenate[CommandContext, P], Awaitable[R]],
) -> Callable[Concatenate[CommandContext, P], Awaitable[R]]:
    """The handler (command, message action, bare text or button) with every string it makes in the
    chat's language (its setting, else the sender's)."""

    async def run(ctx: CommandContext, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with using(await ctx.language()):
            return await handler(ctx, *args, **kwargs)

    return run


@dataclass(frozen=True, slots=True)
class Param:
    """A named argument, for platforms with structured commands (Discord's options).

    Platforms with free-text commands pass everything after the command as `args`; structured ones
    join the given values in order with spaces, so handlers read `args` the same way on both.
    """

    name: str
    description: str
    required: bool = True
    choices: tuple[str, ...] = ()  # a fixed menu of values
    complete: Completer | None = None  # suggestions while typing


@dataclass(frozen=True, slots=True)
class Command:
    """One chat command (its handler runs in the chat's language; the description is translated where
    platforms show it)."""

    name: str
    description: str
    handler: Handler
    slow: bool = False  # the adapter shows "typing…" (or defers) while a slow command works
    params: tuple[Param, ...] = ()
    greeting: bool = False  # the first-contact command of platforms that send one (Telegram's /start)

    def __post_init__(self) -> None:
        object.__setattr__(self, "handler", in_chat_language(self.handler))


@dataclass(frozen=True, slots=True)
class MessageAction:
    """A command run on someone's message (Discord's message context menu); `args` is the message's text."""

    name: str
    handler: Handler
    slow: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "handler", in_chat_language(self.handler))


ButtonHandler = Callable[[CommandContext, str], Awaitable[ButtonAnswer]]


@dataclass(frozen=True, slots=True)
class Button:
    """Buttons whose payload starts with `prefix`; the handler gets the rest of the payload."""

    prefix: str
    handler: ButtonHandler

    def __post_init__(self) -> None:
        object.__setattr__(self, "handler", in_chat_language(self.handler))


@dataclass(frozen=True, slots=True)
class TextRoute:
    """What a bare message (no command) in a private chat is answered with."""

    handler: Handler
    slow: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "handler", in_chat_language(self.handler))


COMMANDS: tuple[Command, ...] = (
    Command(
        "summarize",
        N_("Summary card of a paper: /summarize 2402.01349"),
        summarize_handlers.summarize,
        slow=True,
        params=(
            Param("paper", N_("An arXiv id or link, e.g. 2402.01349 or https://arxiv.org/abs/2402.01349")),
        ),
    ),
    Command(
        "subscribe",
        N_("Follow a category or query: /subscribe cs.CL"),
        subscription_handlers.subscribe,
        params=(
            Param(
                "topic",
                N_('An arXiv category (cs.CL) or a keyword query ("few-shot" AND cat:cs.LG)'),
                complete=completions.topic_choices,
            ),
        ),
    ),
    Command(
        "unsubscribe",
        N_("Stop following a topic: /unsubscribe cs.CL"),
        subscription_handlers.unsubscribe,
        params=(
            Param("topic", N_("A topic this chat follows, or all"), complete=completions.own_topic_choices),
        ),
    ),
    Command("topics", N_("The topics this chat follows"), subscription_handlers.topics),
    Command(
        "settings",
        N_("Show or change settings: /settings time 08:30"),
        settings_handlers.settings,
        params=(
            Param(
                "key",
                N_("The setting to change (leave empty to see them all)"),
                required=False,
                choices=SETTING_KEYS,
            ),
            Param(
                "value",
                N_("Its new value, e.g. 08:30, Asia/Shanghai, zh, 20 or compact"),
                required=False,
                complete=completions.setting_value_choices,
            ),
        ),
    ),
    Command(
        "like",
        N_("More like these papers: /like 2402.01349"),
        feedback_handlers.like,
        slow=True,
        params=(Param("papers", N_("arXiv ids or links, separated by spaces (up to 10)")),),
    ),
    Command(
        "dislike",
        N_("Less like these papers: /dislike 2402.01349"),
        feedback_handlers.dislike,
        slow=True,
        params=(Param("papers", N_("arXiv ids or links, separated by spaces (up to 10)")),),
    ),
    Command("likes", N_("The papers that shape this chat's digests"), feedback_handlers.likes),
    Command("digest", N_("Today's digest for this chat, now"), digest_handlers.digest, slow=True),
    Command("pause", N_("Pause daily digests"), settings_handlers.pause),
    Command("resume", N_("Resume daily digests"), settings_handlers.resume),
    Command("help", N_("What I can do, with examples"), help_handlers.help_command),
    Command("start", N_("Start talking to the bot"), help_handlers.start, greeting=True),
)

MESSAGE_ACTIONS: tuple[MessageAction, ...] = (
    MessageAction(N_("Summarize arXiv link"), summarize_handlers.summarize_in_message),
)

BUTTONS: tuple[Button, ...] = (
    Button(subscription_handlers.UNSUBSCRIBE_PREFIX, subscription_handlers.unsubscribe_button),
    Button(feedback_handlers.SEED_PREFIX, feedback_handlers.remove_seed_button),
    Button(VOTE_PREFIX, feedback_handlers.vote_button),
)

PRIVATE_TEXT = TextRoute(summarize_handlers.summarize_link)


async def _unknown_command(ctx: CommandContext) -> Reply:
    return help_handlers.unknown_command_reply(ctx.args, [c.name for c in COMMANDS])


UNKNOWN_COMMAND = TextRoute(_unknown_command, slow=False)
"""What a command no entry owns gets in a private chat (the whole message is the argument); in groups
such commands are other bots' and are left alone."""


def command(name: str) -> Command | None:
    """The command called `name`, if there is one."""
    return next((c for c in COMMANDS if c.name == name), None)


def button_for(payload: str) -> tuple[Button, str] | None:
    """The button entry a payload belongs to, and the payload's argument; None for unknown payloads."""
    for entry in BUTTONS:
        if payload.startswith(entry.prefix):
            return entry, payload.removeprefix(entry.prefix)
    return None
