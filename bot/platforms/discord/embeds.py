"""Discord rendering: cards as embeds, replies as message content, digests packed within Discord's limits.

Discord counts limits on the raw text (escapes included), so every untrusted field is cleaned and capped
by the neutral layout, escaped, and then fitted to its limit without ever cutting an escape in half.
Mentions are never parsed from our messages (`allowed_mentions`), so an abstract cannot ping anyone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from bot.cards.feedback import card_buttons
from bot.cards.layout import below_line, card_text, clean, header_line, more_heading
from bot.core.delivery import DigestHeader, DigestMessage, Mode
from bot.core.i18n import _, using
from bot.core.models import Button, Card, CardsReply, Reply, Span, TextReply
from bot.core.text import shorten

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBEDS_PER_MESSAGE = 10
EMBED_TOTAL_LIMIT = 6000  # all embeds of one message together
NO_MENTIONS: dict[str, Any] = {"parse": [], "replied_user": False}
COLOUR_MODEL = 0xB31B1B  # arXiv red
COLOUR_EXTRACTIVE = 0x808080  # grey: not written by a model

_MARKDOWN = re.compile(r"([\\*_~`|>#\-\[\]()<@])")


def escape(text: str) -> str:
    """Backslash-escape Discord markdown, link and mention syntax so untrusted text shows literally."""
    return _MARKDOWN.sub(r"\\\1", text)


def fit(text: str, limit: int) -> str:
    """`text` escaped and shortened (with an ellipsis) until the escaped form fits `limit` characters."""
    escaped = escape(text)
    size = len(text)
    while len(escaped) > limit:
        size = max(1, min(size - 1, size * limit // len(escaped) - 1))
        escaped = escape(shorten(text, size))
    return escaped


def _link(label: str, url: str, limit: int = 300) -> str:
    safe_url = url.replace(")", "%29").replace(" ", "%20")
    return f"[{fit(label, limit)}]({safe_url})"


def embed_length(embed: dict[str, Any]) -> int:
    """What Discord counts towards the 6,000-character total of a message's embeds."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len(embed.get("footer", {}).get("text", "")) + len(embed.get("author", {}).get("name", ""))
    return total + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))


@lru_cache(maxsize=4096)
def _card_embed(card: Card) -> tuple[tuple[str, Any], ...]:
    # Budgets keep the worst case (every field at its cap, all escaped) under the 6,000 total.
    t = card_text(card)
    lines = [f"*{fit(t.authors, 300)}*", f"{fit(t.categories, 200)} · {fit(t.dates, 100)}"]
    if t.translated_title:
        lines.insert(0, f"**{fit(t.translated_title, 300)}**")
    if t.comment:
        lines.append(f"🏛 {fit(t.comment, 300)}")
    if t.why:
        lines.append(f"🔎 {fit(t.why, 300)}")
    labels = t.labels
    lines += ["", f"💡 **{fit(labels.tldr, 40)}** {fit(t.tldr, 400)}", "", fit(t.summary, 1200)]
    if t.figure is not None:  # shown as the embed's image below
        label, url, caption = t.figure
        lines += ["", f"🖼 {_link(label, url, limit=40)} {fit(caption, 300)}".rstrip()]
    fields: list[dict[str, Any]] = []
    if any(item.strip() for item in t.takeaways):
        share = FIELD_VALUE_LIMIT // len(t.takeaways) - 3
        value = "\n".join(f"• {fit(item, share)}" for item in t.takeaways)
        fields.append({"name": fit(labels.takeaways, 100), "value": value, "inline": False})
    label, abstract = (labels.abstract, t.abstract)
    if t.translated_abstract:
        label, abstract = t.translated_label, t.translated_abstract
    if abstract.strip():  # Discord refuses a field without a value
        fields.append({"name": fit(label, 100), "value": fit(abstract, FIELD_VALUE_LIMIT), "inline": False})
    links = [_link("arXiv", card.url), _link("PDF", card.pdf_url)]
    if card.code_url:
        links.append(_link(labels.code, card.code_url))
    fields.append({"name": fit(labels.links, 100), "value": " · ".join(links), "inline": False})
    marker = "⚠️" if card.extractive else "🤖"
    embed: dict[str, Any] = {
        "title": fit(t.title, TITLE_LIMIT),
        "url": card.url,
        "description": "\n".join(lines),
        "fields": fields,
        "footer": {"text": f"{marker} {shorten(t.note, 300)}"},  # footers show text as it is
        "color": COLOUR_EXTRACTIVE if card.extractive else COLOUR_MODEL,
    }
    if t.figure is not None:
        embed["image"] = {"url": t.figure[1]}
    return tuple(embed.items())


def card_embed(card: Card) -> dict[str, Any]:
    """One card as a Discord embed (memoised: a digest's papers repeat across chats)."""
    return dict(_card_embed(card))


@lru_cache(maxsize=8192)
def row_line(card: Card) -> str:
    """A compact row without its number: the title linked, then the one-line TL;DR."""
    marker = "⚠️ " if card.extractive else ""
    return f"{_link(clean(card.title, 160), card.url, limit=400)} — {marker}{fit(clean(card.tldr, 300), 700)}"


@lru_cache(maxsize=8192)
def link_line(card: Card) -> str:
    """A paper beyond max_papers, as one linked line."""
    return "• " + _link(clean(card.title, 160), card.url, limit=400)


def more_title(more: int, language: str = "en") -> str:
    """The heading of the links to papers beyond the chat's max_papers."""
    with using(language):
        hint = _("(raise the limit with /settings max_papers)")
        return f"📌 {more_heading(more)} {hint}"


def header_content(header: DigestHeader) -> str:
    """The digest's first line, as message content."""
    title, count = header_line(header)
    text = f"📚 **{escape(title)}**\n{escape(count)}"
    if header.below:
        with using(header.language):
            text += f"\n🔻 {escape(below_line(header.below))}"
    return shorten(text, CONTENT_LIMIT)


def list_embeds(title: str | None, lines: Sequence[str]) -> list[dict[str, Any]]:
    """Lines in as few embeds as the 4,096-character description allows; the title heads the first."""
    embeds: list[dict[str, Any]] = []
    current: list[str] = []
    size = 0
    for line in lines:
        if current and size + 1 + len(line) > DESCRIPTION_LIMIT:
            embeds.append({"description": "\n".join(current)})
            current, size = [], 0
        current.append(line)
        size += len(line) + (1 if size else 0)
    if current:
        embeds.append({"description": "\n".join(current)})
    if embeds and title:
        embeds[0]["title"] = title
    return embeds


def digest_embeds(message: DigestMessage) -> list[dict[str, Any]]:
    """A digest message's embeds: one per card, compact rows as one numbered list, links as another."""
    embeds: list[dict[str, Any]] = []
    rows: list[str] = []
    links: list[str] = []
    for card, mode in message.items:
        if mode == "card":
            embeds.append(card_embed(card))
        elif mode == "row":
            rows.append(f"**{message.offset + len(embeds) + len(rows) + 1}.** {row_line(card)}")
        else:
            links.append(link_line(card))
    embeds += [{**embed, "color": COLOUR_MODEL} for embed in list_embeds(None, rows)]
    with using(message.language):
        title = more_title(message.more, message.language) if message.more else _("More new papers")
    embeds += list_embeds(title, links)
    return embeds


def pack_items(items: Sequence[tuple[Card, Mode]], more: int, language: str = "en") -> list[list[int]]:
    """Item indexes grouped into messages of at most 10 embeds and 6,000 embed characters, in order.

    Each candidate message is measured as it would be sent (numbers, headings and list splits included);
    the header is message content, outside the embed limits.
    """
    groups: list[list[int]] = []
    current: list[int] = []
    for index in range(len(items)):
        candidate = [*current, index]
        message = DigestMessage(
            tuple(items[i] for i in candidate), None, more, offset=candidate[0], language=language
        )
        embeds = digest_embeds(message)
        fits = len(embeds) <= EMBEDS_PER_MESSAGE and sum(map(embed_length, embeds)) <= EMBED_TOTAL_LIMIT
        if current and not fits:
            groups.append(current)
            candidate = [index]
        current = candidate
    if current:
        groups.append(current)
    return groups


def button_rows(buttons: Sequence[Button], per_row: int) -> list[dict[str, Any]]:
    """Buttons as action rows of `per_row` (Discord: at most 5 rows of 5), labels within 80 characters."""
    components = [
        {"type": 2, "style": 2, "label": b.label[:80], "custom_id": b.payload} for b in buttons[: 5 * per_row]
    ]
    return [
        {"type": 1, "components": components[i : i + per_row]} for i in range(0, len(components), per_row)
    ]


def digest_payload(message: DigestMessage) -> dict[str, Any]:
    """One digest message as a Discord message body, its cards' 👍/👎 buttons under it (two cards a row)."""
    payload: dict[str, Any] = {"embeds": digest_embeds(message), "allowed_mentions": NO_MENTIONS}
    buttons = [b for card, mode in message.items if mode == "card" for b in card_buttons(card)]
    if buttons:
        payload["components"] = button_rows(buttons, per_row=4)
    if message.header is not None:
        payload["content"] = header_content(message.header)
    return payload


def render_span(span: Span) -> str:
    """One styled span as Discord markdown."""
    if span.style == "code":
        inner = span.text.replace("`", "'")  # a code span cannot contain its own delimiter
        return f"`{inner}`"
    text = escape(span.text)
    if span.style == "bold":
        return f"**{text}**"
    if span.style == "italic":
        return f"*{text}*"
    if span.style == "link" and span.url:
        return _link(span.text, span.url)
    return text


def reply_payloads(reply: Reply) -> list[dict[str, Any]]:
    """A reply as one or more message bodies: text as content (split between spans), cards as embeds."""
    if isinstance(reply, CardsReply):
        intro = reply_payloads(reply.intro) if reply.intro is not None else []
        cards = [card_embed(card) for card in reply.cards]
        bodies = [{"embeds": cards[i : i + 1], "allowed_mentions": NO_MENTIONS} for i in range(len(cards))]
        if len(intro) == 1 and bodies:  # a one-line intro (e.g. which version) rides with the first card
            return [{**intro[0], **bodies[0]}, *bodies[1:]]
        return intro + bodies
    assert isinstance(reply, TextReply)
    contents: list[str] = []
    current = ""
    for span in reply.spans:
        piece = render_span(span if len(span.text) <= CONTENT_LIMIT // 4 else Span(shorten(span.text, 400)))
        if current and len(current) + len(piece) > CONTENT_LIMIT:
            contents.append(current)
            current = ""
        current += piece
    contents.append(current or "(empty reply)")
    return [{"content": c, "allowed_mentions": NO_MENTIONS} for c in contents]
