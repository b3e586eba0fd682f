"""What every renderer shows and in which order: labels, field caps, author and date formatting."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.core.languages import language_name
from bot.core.models import Card
from bot.core.text import shorten

MAX_AUTHORS_SHOWN = 5
AUTHORS_BEFORE_ET_AL = 3

# Caps (in UTF-16 units) keep every section of a card well under Telegram's 4096-character message limit,
# so a card can always be split between sections and never inside one.
CAP_TITLE = 300
CAP_AUTHOR = 60
CAP_COMMENT = 300
CAP_TLDR = 400
CAP_SUMMARY = 1500
CAP_TAKEAWAY = 400
MAX_TAKEAWAYS = 7
CAP_ABSTRACT = 2500
CAP_TOPIC = 100

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

LLM_NOTE = "Summary by {model}; it may contain mistakes — check the paper before you rely on it."
EXTRACTIVE_NOTE = "Extractive summary: sentences taken from the abstract, not written by a model."
FALLBACK_NOTE = "Extractive summary ({reason}): sentences taken from the abstract."


def clean(text: str, cap: int) -> str:
    """Untrusted text made safe to lay out: no control or direction characters, one line, capped."""
    return shorten(" ".join(CONTROL_CHARACTERS.sub("", text).split()), cap)


def authors_line(authors: tuple[str, ...]) -> str:
    """Authors, long lists shortened with 'et al.'."""
    names = [clean(a, CAP_AUTHOR) for a in authors]
    if not names:
        return "Unknown authors"
    if len(names) > MAX_AUTHORS_SHOWN:
        return f"{', '.join(names[:AUTHORS_BEFORE_ET_AL])} et al. ({len(names)} authors)"
    return ", ".join(names)


def format_date(moment: date) -> str:
    """A date as readers write it: 2 Feb 2024."""
    return f"{moment.day} {moment:%b %Y}"


def dates_line(card: Card) -> str:
    """Submission date, plus the latest version's date when it differs."""
    line = f"Submitted {format_date(card.published)}"
    if card.version > 1 and card.updated.date() != card.published.date():
        line += f" · v{card.version} {format_date(card.updated)}"
    return line


def below_line(below: int) -> str:
    """The digest's note on papers under the chat's min_score (listed as links, not left out)."""
    noun = "paper scores" if below == 1 else "papers score"
    return f"{below} {noun} below this chat's min_score: listed as links, not cards."


def why_line(card: Card) -> str | None:
    """Why a digest carries this card: the topics it matched, and the liked paper it is most like."""
    topics = ", ".join(clean(t, CAP_TOPIC) for t in card.matched_topics[:5])
    parts = [f"Matched: {topics}"] if topics else []
    if card.because:
        parts.append(f"similar to “{clean(card.because, 120)}”, which this chat liked")
    return " · ".join(parts) or None


def model_note(card: Card) -> str:
    """Who wrote the card's text, stated honestly."""
    if not card.extractive:
        return LLM_NOTE.format(model=clean(card.model, 80))
    if card.fallback_reason:
        return FALLBACK_NOTE.format(reason=clean(card.fallback_reason, 120))
    return EXTRACTIVE_NOTE


@dataclass(frozen=True, slots=True)
class CardText:
    """A card's fields cleaned and capped, ready for any renderer to escape and decorate."""

    title: str
    translated_title: str | None
    authors: str
    categories: str
    dates: str
    comment: str | None
    topics: str | None
    why: str | None  # "Matched: …", and the liked paper behind the choice
    tldr: str
    summary: str
    takeaways: tuple[str, ...]
    abstract: str
    translated_abstract: str | None
    translated_label: str
    note: str


def card_text(card: Card) -> CardText:
    """Clean and cap every untrusted field of a card once, for all renderers."""
    return CardText(
        title=clean(card.title, CAP_TITLE),
        translated_title=clean(card.translated_title, CAP_TITLE) if card.translated_title else None,
        authors=authors_line(card.authors),
        categories=" · ".join(clean(c, 40) for c in card.categories[:8]),
        dates=dates_line(card),
        comment=clean(card.comment, CAP_COMMENT) if card.comment else None,
        topics=", ".join(clean(t, CAP_TOPIC) for t in card.matched_topics[:5]) or None,
        why=why_line(card),
        tldr=clean(card.tldr, CAP_TLDR),
        summary=clean(card.summary, CAP_SUMMARY),
        takeaways=tuple(clean(t, CAP_TAKEAWAY) for t in card.takeaways[:MAX_TAKEAWAYS]),
        abstract=clean(card.abstract, CAP_ABSTRACT),
        translated_abstract=clean(card.translated_abstract, CAP_ABSTRACT)
        if card.translated_abstract
        else None,
        translated_label=f"Abstract ({language_name(card.language)})",
        note=model_note(card),
    )
