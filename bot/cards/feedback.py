"""The 👍/👎 buttons under every digest card: neutral button data that each platform renders, and whose
presses come back to handlers.feedback."""

from __future__ import annotations

from bot.core.models import Button, Card
from bot.core.text import shorten

VOTE_PREFIX = "vote:"
TITLE_IN_LABEL = 28


def vote_payload(polarity: str, paper_id: str) -> str:
    """A vote button's payload: `vote:+:<id>` or `vote:-:<id>` (well under Telegram's 64 bytes)."""
    return f"{VOTE_PREFIX}{polarity}:{paper_id}"


def vote_buttons(paper_id: str, title: str, up: int = 0, down: int = 0) -> tuple[Button, Button]:
    """A card's 👍 and 👎: the first names the paper; each shows its count once there is one."""
    short = shorten(" ".join(title.split()), TITLE_IN_LABEL)
    return (
        Button(f"👍 {short}" + (f" · {up}" if up else ""), vote_payload("+", paper_id)),
        Button("👎" + (f" {down}" if down else ""), vote_payload("-", paper_id)),
    )


def card_buttons(card: Card) -> tuple[Button, Button]:
    """The buttons of a digest card that nobody voted on yet."""
    return vote_buttons(card.arxiv_id, card.title)
