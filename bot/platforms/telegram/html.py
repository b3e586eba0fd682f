"""Telegram HTML: escaped, and packed into messages of at most 4096 characters after entity parsing."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from bot.cards.layout import card_text
from bot.core.models import Card, Span, TextReply
from bot.core.text import shorten, utf16_length

MESSAGE_LIMIT = 4096
BLOCK_SEPARATOR = "\n\n"
CARD_SEPARATOR = "\n\n"

_TAG = re.compile(r"<[^>]*>")


def escape(text: str) -> str:
    """Escape text for Telegram HTML (text nodes and attribute values alike)."""
    return html.escape(text, quote=True)


@lru_cache(maxsize=16384)
def visible_length(fragment: str) -> int:
    """Length of our own well-formed HTML after Telegram parses the entities out of it."""
    return utf16_length(html.unescape(_TAG.sub("", fragment)))


def _a(url: str, label: str) -> str:
    return f'<a href="{escape(url)}">{escape(label)}</a>'


def render_span(span: Span) -> str:
    """One styled span as Telegram HTML."""
    text = escape(span.text)
    if span.style == "bold":
        return f"<b>{text}</b>"
    if span.style == "italic":
        return f"<i>{text}</i>"
    if span.style == "code":
        return f"<code>{text}</code>"
    if span.style == "link" and span.url:
        return _a(span.url, span.text)
    return text


def card_blocks(card: Card) -> list[str]:
    """A card as self-contained HTML blocks; a long card may be split between blocks, never inside one."""
    t = card_text(card)
    header = f"📄 <b>{_a(card.url, t.title)}</b>"
    if t.translated_title:
        header += f"\n<b>{escape(t.translated_title)}</b>"
    header += f"\n<i>{escape(t.authors)}</i>"
    meta = [f"🏷 {escape(t.categories)} · {escape(t.dates)}"]
    if t.comment:
        meta.append(f"🏛 {escape(t.comment)}")
    if t.why:
        meta.append(f"🔎 {escape(t.why)}")
    labels = t.labels
    blocks = [header + "\n" + "\n".join(meta), f"💡 <b>{escape(labels.tldr)}</b> {escape(t.tldr)}"]
    blocks.append(escape(t.summary))
    if t.figure is not None:  # the message's link preview shows this figure (see messenger.preview)
        label, url, caption = t.figure
        blocks.append(f"🖼 {_a(url, label)}" + (f" {escape(caption)}" if caption else ""))
    if t.takeaways:
        bullets = "\n".join(f"• {escape(item)}" for item in t.takeaways)
        blocks.append(f"<b>{escape(labels.takeaways)}</b>\n{bullets}")
    if t.translated_abstract:
        quote = f"<b>{escape(t.translated_label)}</b>\n{escape(t.translated_abstract)}"
    else:
        quote = f"<b>{escape(labels.abstract)}</b>\n{escape(t.abstract)}"
    blocks.append(f"<blockquote expandable>{quote}</blockquote>")
    links = [_a(card.url, "arXiv"), _a(card.pdf_url, "PDF")]
    if card.code_url:
        links.append(_a(card.code_url, labels.code))
    marker = "⚠️" if card.extractive else "🤖"
    blocks.append(f"🔗 {' · '.join(links)}\n{marker} <i>{escape(t.note)}</i>")
    return blocks


def pack(units: Iterable[Sequence[str]], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pack units (each a list of blocks, e.g. one card) into as few messages as fit the limit.

    A unit that fits in one message is never split; a longer one is split between its blocks.
    Every block must itself fit the limit (callers cap their fields to guarantee it).
    """
    messages: list[str] = []
    current: list[str] = []
    current_len = 0
    sep_len = utf16_length(CARD_SEPARATOR)

    def flush() -> None:
        nonlocal current, current_len
        if current:
            messages.append("".join(current))
        current, current_len = [], 0

    for unit in units:
        whole = BLOCK_SEPARATOR.join(unit)
        whole_len = visible_length(whole)
        if whole_len <= limit:
            if current and current_len + sep_len + whole_len > limit:
                flush()
            if current:
                current.append(CARD_SEPARATOR)
                current_len += sep_len
            current.append(whole)
            current_len += whole_len
            continue
        flush()
        for block in unit:
            block_len = visible_length(block)
            if block_len > limit:
                raise ValueError(f"a block of {block_len} characters exceeds the {limit} limit")
            if current and current_len + sep_len + block_len > limit:
                flush()
            if current:
                current.append(BLOCK_SEPARATOR)
                current_len += sep_len
            current.append(block)
            current_len += block_len
        flush()
    flush()
    return messages


def render_cards(cards: Sequence[Card], intro: TextReply | None = None) -> list[str]:
    """Messages carrying the cards, several per message when they fit."""
    units: list[list[str]] = []
    if intro is not None:
        units.extend([message] for message in render_text(intro))
    units.extend(card_blocks(card) for card in cards)
    return pack(units)


def text_blocks(reply: TextReply, limit: int = MESSAGE_LIMIT) -> list[str]:
    """A text reply as blocks: one per span, each span capped so it fits a message."""
    blocks: list[str] = []
    for span in reply.spans:
        text = span.text if utf16_length(span.text) <= limit // 2 else shorten(span.text, limit // 4)
        blocks.append(render_span(Span(text, span.style, span.url)))
    return blocks


def render_text(reply: TextReply, limit: int = MESSAGE_LIMIT) -> list[str]:
    """A text reply as one or more messages, split only between spans."""
    messages: list[str] = []
    current = ""
    for block in text_blocks(reply, limit):
        if current and visible_length(current) + visible_length(block) > limit:
            messages.append(current)
            current = ""
        current += block
    if current:
        messages.append(current)
    return messages or [escape("(empty reply)")]
