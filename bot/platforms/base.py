"""What every chat platform provides to the composition root, and what it is given to answer updates."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from bot.core.delivery import Messenger
from bot.core.models import Platform
from bot.store.lifecycle import ChatLifecycle
from bot.store.pacing import Pacer
from handlers.context import CommandServices


class PlatformStartError(Exception):
    """A platform could not start (e.g. its token was refused); the message says what to fix."""


@dataclass(frozen=True, slots=True)
class Inbound:
    """The platform-neutral parts an adapter uses to answer updates."""

    commands: CommandServices
    lifecycle: ChatLifecycle
    pacer: Pacer


class ChatPlatform(Protocol):
    """One chat platform: its outbound messenger, and its bot receiving updates while running."""

    @property
    def name(self) -> Platform:
        """The platform's name, as in ChatRef.platform."""
        ...

    @property
    def messenger(self) -> Messenger:
        """The platform's one outbound port."""
        ...

    def running(self, inbound: Inbound) -> AbstractAsyncContextManager[None]:
        """The bot receiving updates for the duration of the block."""
        ...
