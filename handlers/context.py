"""What a command handler is given: who asked, where, with what arguments, and the services."""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import ChatKind, ChatRef, UserRef
from bot.services import Services


@dataclass(frozen=True, slots=True)
class CommandContext:
    """One command invocation, already translated from the platform's update."""

    chat: ChatRef
    chat_kind: ChatKind
    user: UserRef | None
    args: str
    language: str
    services: Services
