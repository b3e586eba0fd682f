"""Telegram HTML for daily digests: a header, then cards (or compact rows), then links to the rest."""

from __future__ import annotations

from functools import lru_cache

from bot.cards.layout import below_line, clean, format_date
from bot.core.delivery import DigestHeader, DigestMessage, Mode
from bot.core.models import Card
from bot.platforms.telegram.html import MESSAGE_LIMIT, card_blocks, escape, pack, visible_length

SEPARATOR = 2  # visible length of the blank line between blocks


def header_block(header: DigestHeader) -> str:
    """The digest's first line."""
    topics = ", ".join(clean(t, 60) for t in header.topics[:6])
    if len(header.topics) > 6:
        topics += f" and {len(header.topics) - 6} more"
    noun = "paper" if header.count == 1 else "papers"
    block = (
        f"📚 <b>arXiv digest · {escape(format_date_long(header))}</b>\n"
        f"{header.count} new {noun} for {escape(topics)}"
    )
    if header.below:
        block += f"\n🔻 {escape(below_line(header.below))}"
    return block


def format_date_long(header: DigestHeader) -> str:
    """Weekday and date of a digest, e.g. Thu 21 Nov 2026."""
    return f"{header.day:%a} {format_date(header.day)}"


@lru_cache(maxsize=4096)
def item_blocks(card: Card, mode: Mode) -> tuple[str, ...]:
    """A paper as blocks: a full card, a one-line compact row, or a bare link (memoised: digests repeat)."""
    link = f'<a href="{escape(card.url)}">{escape(clean(card.title, 160))}</a>'
    if mode == "card":
        return tuple(card_blocks(card))
    if mode == "row":
        marker = "⚠️ " if card.extractive else ""
        return (f"• <b>{link}</b>\n{marker}{escape(clean(card.tldr, 300))}",)
    return (f"• {link}",)


def more_block(more: int) -> str:
    """The line before the links to papers beyond the chat's max_papers."""
    noun = "paper" if more == 1 else "papers"
    return f"📌 <b>{more} more new {noun}</b> (raise the limit with /settings max_papers)"


def render_digest(message: DigestMessage) -> list[str]:
    """A digest message as Telegram HTML (more than one only if a single card exceeds the limit)."""
    units: list[list[str]] = []
    if message.header is not None:
        units.append([header_block(message.header)])
    for card, mode in message.items:
        if mode == "link" and message.more:
            units.append([more_block(message.more)])
            message = DigestMessage(message.items, message.header, 0)
        units.append(list(item_blocks(card, mode)))
    return pack(units)


@lru_cache(maxsize=4096)
def _item_size(card: Card, mode: Mode) -> int:
    blocks = item_blocks(card, mode)
    return sum(visible_length(b) for b in blocks) + SEPARATOR * len(blocks)


def pack_items(header: DigestHeader | None, items: list[tuple[Card, Mode]], more: int) -> list[list[int]]:
    """Group item indexes into messages of at most 4096 visible characters, never splitting an item."""
    groups: list[list[int]] = []
    current: list[int] = []
    used = visible_length(header_block(header)) if header is not None else 0
    links_started = False
    for index, (card, mode) in enumerate(items):
        size = _item_size(card, mode)
        if mode == "link" and not links_started:
            size += visible_length(more_block(more)) + SEPARATOR
            links_started = True
        if current and used + size > MESSAGE_LIMIT:
            groups.append(current)
            current, used = [], 0
        current.append(index)
        used += size
    if current:
        groups.append(current)
    return groups
