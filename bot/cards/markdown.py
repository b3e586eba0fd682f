"""Markdown (CommonMark) rendering for the CLI and page exports; every untrusted character is escaped."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.cards.layout import card_text
from bot.core.models import Card, TextReply

_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~&-])")


def escape(text: str) -> str:
    """Backslash-escape every Markdown metacharacter so text is shown literally."""
    return _SPECIAL.sub(r"\\\1", text)


def _link(label: str, url: str) -> str:
    return f"[{escape(label)}](<{url.replace('>', '%3E').replace('<', '%3C')}>)"


def _url(url: str) -> str:
    return url.replace(">", "%3E").replace("<", "%3C").replace(" ", "%20")


def _figure(figure: tuple[str, str, str]) -> str:
    """The key figure as an image with its caption (alt text and title escaped)."""
    label, url, caption = figure
    alt = escape(f"{label}: {caption}" if caption else label)
    return f"![{alt}](<{_url(url)}>)  \n*{escape(label)}*" + (f" {escape(caption)}" if caption else "")


def render_card(card: Card, heading: str = "##") -> str:
    """One card as a Markdown section."""
    t = card_text(card)
    lines = [f"{heading} {_link(t.title, card.url)}", ""]
    if t.translated_title:
        lines += [f"**{escape(t.translated_title)}**", ""]
    lines.append(f"*{escape(t.authors)}*  ")
    lines.append(f"{escape(t.categories)} · {escape(t.dates)}  ")
    if t.comment:
        lines.append(f"{escape(t.labels.comment)}: {escape(t.comment)}  ")
    if t.why:
        lines.append(f"{escape(t.why)}  ")
    labels = t.labels
    lines += ["", f"**{escape(labels.tldr)}** {escape(t.tldr)}", "", escape(t.summary), ""]
    if t.figure is not None:
        lines += [_figure(t.figure), ""]
    if t.takeaways:
        lines += (
            [f"**{escape(labels.takeaways)}**", ""] + [f"- {escape(item)}" for item in t.takeaways] + [""]
        )
    if t.translated_abstract:
        lines += [f"**{escape(t.translated_label)}**", "", f"> {escape(t.translated_abstract)}", ""]
    lines += [f"**{escape(labels.abstract)}**", "", f"> {escape(t.abstract)}", ""]
    links = [_link("arXiv", card.url), _link("PDF", card.pdf_url)]
    if card.code_url:
        links.append(_link(labels.code, card.code_url))
    lines += [" · ".join(links), "", f"*{escape(t.note)}*", ""]
    return "\n".join(lines)


def render_text(reply: TextReply) -> str:
    """A text reply as Markdown."""
    parts = []
    for span in reply.spans:
        text = escape(span.text)
        if span.style == "bold":
            parts.append(f"**{text}**")
        elif span.style == "italic":
            parts.append(f"*{text}*")
        elif span.style == "code":
            parts.append(f"`{span.text.replace('`', '')}`")
        elif span.style == "link" and span.url:
            parts.append(_link(span.text, span.url))
        else:
            parts.append(text)
    return "".join(parts)


def _cell(text: str) -> str:
    return escape(" ".join(text.split()))


def render_daily_page(title: str, cards: Sequence[Card], more: Sequence[Card] = ()) -> str:
    """A daily page: a table of one-line TL;DRs with footnote references, then each paper in full."""
    lines = [f"# {escape(title)}", "", "| Ref | Title | TL;DR |", "| --- | --- | --- |"]
    for index, card in enumerate(cards, 1):
        t = card_text(card)
        lines.append(f"| [^{index}] | {_link(t.title, card.url)} | {_cell(t.tldr)} |")
    lines.append("")
    for index, card in enumerate(cards, 1):
        t = card_text(card)
        heading = (
            f"**{escape(t.translated_title)}** ({escape(t.title)})"
            if t.translated_title
            else f"**{escape(t.title)}**"
        )
        lines.append(f"[^{index}]: {heading}  ")
        lines.append(f"    {_link(card.url, card.url)} · {escape(t.authors)}  ")
        if t.comment:
            lines.append(f"    {escape(t.comment)}  ")
        lines.append(f"    **{escape(t.labels.tldr)}**: {escape(t.tldr)}  ")
        if t.figure is not None:
            lines.append(f"    {_figure(t.figure).replace(chr(10), chr(10) + '    ')}  ")
        if t.translated_abstract:
            lines.append(f"    **{escape(t.translated_label)}**: {escape(t.translated_abstract)}  ")
        lines.append(f"    **{escape(t.labels.abstract)}**: {escape(t.abstract)}  ")
        lines.append(f"    *{escape(t.note)}*")
        lines.append("")
    if more:
        lines += [f"**{len(more)} more:** " + " · ".join(_link(c.title, c.url) for c in more), ""]
    return "\n".join(lines)
