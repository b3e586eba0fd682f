"""Plain-text rendering, for terminals and platforms without markup."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from bot.cards.layout import card_text
from bot.core.models import Card

WIDTH = 100


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=" " * len(indent))


def render_card(card: Card) -> str:
    """One card as wrapped plain text."""
    t = card_text(card)
    lines = [_wrap(t.title)]
    if t.translated_title:
        lines.append(_wrap(t.translated_title))
    lines += [_wrap(t.authors), f"{t.categories} · {t.dates}"]
    labels = t.labels
    if t.comment:
        lines.append(_wrap(f"{labels.comment}: {t.comment}"))
    if t.why:
        lines.append(_wrap(t.why))
    lines += ["", _wrap(f"{labels.tldr}: {t.tldr}"), "", _wrap(t.summary), ""]
    if t.figure is not None:
        label, url, caption = t.figure
        lines += [_wrap(f"{label}: {caption}" if caption else label), f"  {url}", ""]
    if t.takeaways:
        lines += [f"{labels.takeaways}:"] + [_wrap(item, "  - ") for item in t.takeaways] + [""]
    if t.translated_abstract:
        lines += [f"{t.translated_label}:", _wrap(t.translated_abstract, "  "), ""]
    lines += [f"{labels.abstract}:", _wrap(t.abstract, "  "), ""]
    lines += [f"arXiv: {card.url}", f"PDF:   {card.pdf_url}"]
    if card.code_url:
        lines.append(f"{labels.code}:  {card.code_url}")
    lines += ["", _wrap(t.note)]
    return "\n".join(lines) + "\n"


def render_cards(cards: Sequence[Card]) -> str:
    """Several cards separated by a rule."""
    return ("\n" + "-" * 40 + "\n\n").join(render_card(card) for card in cards)
