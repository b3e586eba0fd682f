"""An in-process chat platform: runs any registry entry (command, button, bare text), records what it sends.

It is the proof that command logic and the digest pipeline are platform-neutral: no HTTP, no PTB, just
the registry, CommandServices and a Messenger of its own (platform `cli`), on the real Redis and the real
pipeline. Platform specifics (HTML, limits, PTB) keep their own tests against the fake Bot API.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal

from bot.app.composition import Pipeline, Services, build_pipeline, command_services
from bot.core.delivery import DigestHeader, DigestMessage, Mode, Outcome, Sent
from bot.core.models import Card, CardsReply, ChatKind, ChatRef, Reply, TextReply, UserRef
from handlers import PRIVATE_TEXT, UNKNOWN_COMMAND, CommandContext, CommandServices, registry
from handlers.completions import Choice
from handlers.context import AdminCheckError, ButtonAnswer
from handlers.registry import button_for

CARDS_PER_MESSAGE = 5
Admin = bool | Literal["error"]


@dataclass
class FakeMessenger:
    """A Messenger that accepts everything and remembers it, in order."""

    digests: list[tuple[ChatRef, DigestMessage]] = field(default_factory=list)
    replies: list[tuple[ChatRef, Reply]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def platform(self) -> Literal["cli"]:
        """The in-process platform."""
        return "cli"

    def pack(self, header: DigestHeader | None, items: list[tuple[Card, Mode]], more: int) -> list[list[int]]:
        """A fixed number of papers per message."""
        indexes = list(range(len(items)))
        return [indexes[i : i + CARDS_PER_MESSAGE] for i in range(0, len(indexes), CARDS_PER_MESSAGE)]

    async def send_digest(self, chat: ChatRef, message: DigestMessage) -> Outcome:
        """Record a digest message."""
        self.digests.append((chat, message))
        return Sent(str(next(self._ids)))

    async def send_reply(self, chat: ChatRef, reply: Reply, reply_to: str | None = None) -> Outcome:
        """Record a reply."""
        self.replies.append((chat, reply))
        return Sent(str(next(self._ids)))

    async def aclose(self) -> None:
        """Nothing to release."""


def text_of(reply: Reply | None) -> str:
    """A reply as the plain text a person would read (cards by title and TL;DR)."""
    if reply is None:
        return ""
    if isinstance(reply, TextReply):
        return reply.plain_text()
    assert isinstance(reply, CardsReply)
    return "\n".join(f"{card.title}\n{card.tldr}" for card in reply.cards)


class FakePlatform:
    """Runs registry entries for a chat of a kind, as a user who is (or is not) an admin there."""

    def __init__(self, commands: CommandServices, messenger: FakeMessenger, pipeline: Pipeline) -> None:
        self.commands = commands
        self.messenger = messenger
        self.pipeline = pipeline

    def context(
        self,
        chat_id: int,
        kind: ChatKind,
        user_id: int | None,
        args: str,
        admin: Admin,
        language: str | None,
        missing: tuple[str, ...] = (),
        member: bool = True,
    ) -> CommandContext:
        """What an adapter would build from an update (`missing`: rights the bot lacks in the chat)."""

        async def is_admin() -> bool:
            if admin == "error":
                raise AdminCheckError("the platform did not answer")
            return bool(admin)

        async def missing_rights() -> tuple[str, ...]:
            return missing

        async def is_member() -> bool:
            return member

        return CommandContext(
            chat=ChatRef("cli", chat_id),
            chat_kind=kind,
            user=UserRef("cli", user_id, language) if user_id is not None else None,
            args=args,
            default_language=language
            if kind == "private" and language
            else self.commands.config.default_language,
            services=self.commands,
            title=None if kind == "private" else f"Chat {chat_id}",
            is_admin=is_admin,
            missing_rights=missing_rights,
            is_member=is_member,
        )

    async def send(
        self,
        text: str,
        *,
        chat_id: int = 1,
        kind: ChatKind = "private",
        user_id: int | None = 1,
        admin: Admin = False,
        language: str | None = "en",
        missing: tuple[str, ...] = (),
    ) -> Reply | None:
        """A message as a user sends it: `/command args`, or bare text (answered in private chats only)."""
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            command = registry.command(name.split("@")[0])
            if command is None and kind != "private":
                return None  # another bot's command
            if command is None:
                handler, args = UNKNOWN_COMMAND.handler, text
            else:
                handler = command.handler
        elif kind == "private":
            handler, args = PRIVATE_TEXT.handler, text
        else:
            return None
        return await handler(self.context(chat_id, kind, user_id, args, admin, language, missing))

    async def complete(
        self, command: str, param: str, typed: str, filled: dict[str, str] | None = None, *, chat_id: int = 1
    ) -> list[Choice]:
        """The suggestions a structured platform shows while `param` of `command` is being typed."""
        found = registry.command(command)
        assert found is not None
        (spec,) = [p for p in found.params if p.name == param]
        assert spec.complete is not None
        ctx = self.context(chat_id, "private", 1, "", admin=False, language="en")
        return await spec.complete(ctx, typed, filled or {})

    async def act(
        self, action: str, message: str, *, chat_id: int = 1, kind: ChatKind = "private"
    ) -> Reply | None:
        """A message action (a context-menu command) run on a message with the text `message`."""
        (entry,) = [a for a in registry.MESSAGE_ACTIONS if a.name == action]
        return await entry.handler(self.context(chat_id, kind, 1, message, admin=False, language="en"))

    async def press(
        self,
        payload: str,
        *,
        chat_id: int = 1,
        kind: ChatKind = "private",
        user_id: int = 1,
        admin: Admin = False,
        member: bool = True,
    ) -> ButtonAnswer | None:
        """A button press with `payload`; None when no registry entry owns the payload."""
        found = button_for(payload)
        if found is None:
            return None
        entry, argument = found
        ctx = self.context(chat_id, kind, user_id, "", admin, "en", member=member)
        return await entry.handler(ctx, argument)


def fake_platform_for(services: Services) -> FakePlatform:
    """The fake platform on the given services, with `/digest` planned through a real pipeline."""
    messenger = FakeMessenger()
    pipeline = build_pipeline(services, {"cli": messenger}, consumer="fake", pacing=False)
    return FakePlatform(command_services(services, pipeline), messenger, pipeline)
