"""A chat as the bot knows it: its kind, its settings and where it is in its life cycle."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.chat_settings import ChatSettings
from bot.core.models import ChatKind, ChatRef


@dataclass(frozen=True, slots=True)
class ChatState:
    """A stored chat: active while the bot can post there; paused when the chat asked for no digests."""

    chat: ChatRef
    kind: ChatKind
    title: str | None
    settings: ChatSettings
    active: bool = True
    inactive_reason: str | None = None
    inactive_since: float | None = None
    server_id: int | None = None  # the server (Discord guild) the chat belongs to, on platforms with servers

    @property
    def receives_digests(self) -> bool:
        """True when a digest should be delivered: the bot can post and the chat did not pause."""
        return self.active and not self.settings.paused
