"""Telegram HTML for daily digests: a header, then cards (or compact rows), then links to the rest."""

from __future__ import annotations

from functools import lru_cache

from bot.cards.layout import below_line, clean, header_line, more_heading
from bot.core.delivery import DigestHeader, DigestMessage, Mode
from bot.core.i18n import _, using
from bot.core.models import Card
from bot.platforms.telegram.html import MESSAGE_LIMIT, card_blocks, escape, pack, visible_length

SEPARATOR = 2  # visible length of the blank line between blocks


def header_block(header: DigestHeader) -> str:
    """The digest's first line."""
    title, count = header_line(header)
    block = f"📚 <b>{escape(title)}</b>\n{escape(count)}"
    if header.below:
        with using(header.language):
            block += f"\n🔻 {escape(below_line(header.below))}"
    return block


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


def more_block(more: int, language: str = "en") -> str:
    """The line before the links to papers beyond the chat's max_papers."""
    with using(language):
        hint = _("(raise the limit with /settings max_papers)")
        return f"📌 <b>{escape(more_heading(more))}</b> {escape(hint)}"


def render_digest(message: DigestMessage) -> list[str]:
    """A digest message as Telegram HTML (more than one only if a single card exceeds the limit)."""
    units: list[list[str]] = []
    if message.header is not None:
        units.append([header_block(message.header)])
    for card, mode in message.items:
        if mode == "link" and message.more:
            units.append([more_block(message.more, message.language)])
            message = DigestMessage(message.items, message.header, 0, message.offset, message.language)
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
            size += visible_length(more_block(more, header.language if header else "en")) + SEPARATOR
            links_started = True
        if current and used + size > MESSAGE_LIMIT:
            groups.append(current)
            current, used = [], 0
        current.append(index)
        used += size
    if current:
        groups.append(current)
    return groups
