"""The contract between the digest pipeline, command replies and a platform: what to send, what came of it.

Every platform implements `Messenger` once; everything above it (the worker, the reply path) speaks only
these types, and one neutral place (bot.store.lifecycle) applies what a `Moved` or `Refused` outcome means.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

from bot.core.models import Card, ChatRef, Platform, Reply

Mode = Literal["card", "row", "link"]
"""How a paper is shown in a digest: a full card, a compact one-line row, or a bare link."""


@dataclass(frozen=True, slots=True)
class DigestHeader:
    """The line that opens a chat's daily digest (`below`: papers under the chat's min_score, as links)."""

    day: date
    count: int
    topics: tuple[str, ...]
    below: int = 0
    language: str = "en"  # the chat's language: the header's words, and the message's other labels


@dataclass(frozen=True, slots=True)
class DigestMessage:
    """One message of a digest: an optional header, papers (each as a card, a row or a link), a footer.

    `more` is the number of papers beyond max_papers; when it is set, this message carries the
    "N more papers" line before its first link. Both header and footer are decided at planning time.
    `offset` is how many papers the digest's earlier messages carry (so numbered lists continue).
    """

    items: tuple[tuple[Card, Mode], ...]
    header: DigestHeader | None = None
    more: int = 0
    offset: int = 0
    language: str = "en"


@dataclass(frozen=True, slots=True)
class Sent:
    """The platform accepted the message; `pause` > 0 when it asked for that long before the next one here."""

    message_id: str
    pause: float = 0.0


@dataclass(frozen=True, slots=True)
class Retry:
    """Not accepted, safe to send again after `after` seconds (429, 5xx, connection failed before sending)."""

    after: float
    reason: str
    rate_limited: bool = False
    scope: Literal["chat", "global"] = "chat"  # what a rate limit holds: this chat, or the whole platform


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


class Messenger(Protocol):
    """A platform's one outbound port: packs digests, sends digests and replies, classifies outcomes."""

    @property
    def platform(self) -> Platform:
        """The platform whose chats this messenger reaches."""
        ...

    def pack(self, header: DigestHeader | None, items: list[tuple[Card, Mode]], more: int) -> list[list[int]]:
        """Group item indexes into messages that fit the platform's limits (the header goes first)."""
        ...

    async def send_digest(self, chat: ChatRef, message: DigestMessage) -> Outcome:
        """Send one digest message and classify the result."""
        ...

    async def send_reply(self, chat: ChatRef, reply: Reply, reply_to: str | None = None) -> Outcome:
        """Send a command's reply (answering message `reply_to` when given) and classify the result."""
        ...

    async def aclose(self) -> None:
        """Release the platform connection."""
        ...


Messengers = Mapping[Platform, Messenger]
"""The messenger of every configured platform; the pipeline picks one by the chat's platform."""
