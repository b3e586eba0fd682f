"""The contract between delivery and a platform: what to send, and what came of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from bot.core.models import Card, ChatRef
from bot.store.ledger import Mode


@dataclass(frozen=True, slots=True)
class DigestHeader:
    """The line that opens a chat's daily digest."""

    day: date
    count: int
    topics: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DigestMessage:
    """One message of a digest: an optional header, papers (each as a card, a row or a link), a footer."""

    items: tuple[tuple[Card, Mode], ...]
    header: DigestHeader | None = None
    more: int = 0  # papers beyond max_papers, listed as links in this message


@dataclass(frozen=True, slots=True)
class Sent:
    """The platform accepted the message."""

    message_id: str


@dataclass(frozen=True, slots=True)
class Retry:
    """Not accepted, safe to send again after `after` seconds (429, 5xx, connection failed before sending)."""

    after: float
    reason: str
    rate_limited: bool = False


@dataclass(frozen=True, slots=True)
class Uncertain:
    """The request may have reached the platform (timeout after sending): never resend blindly."""

    reason: str


@dataclass(frozen=True, slots=True)
class Refused:
    """The chat refuses the bot (blocked, kicked): stop delivering there."""

    reason: str


@dataclass(frozen=True, slots=True)
class Moved:
    """The chat has a new id (group → supergroup); send there instead."""

    new_chat_id: int


@dataclass(frozen=True, slots=True)
class Failed:
    """The platform rejected this message for good (e.g. a bad request)."""

    reason: str


Outcome = Sent | Retry | Uncertain | Refused | Moved | Failed


class Sender(Protocol):
    """A platform's way of delivering digest messages."""

    def pack(self, header: DigestHeader | None, items: list[tuple[Card, Mode]], more: int) -> list[list[int]]:
        """Group item indexes into messages that fit the platform's limits (header goes first)."""
        ...

    async def send(self, chat: ChatRef, message: DigestMessage) -> Outcome:
        """Send one message and classify the result."""
        ...

    async def aclose(self) -> None:
        """Release the platform connection."""
        ...
