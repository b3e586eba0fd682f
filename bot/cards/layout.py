"""What every renderer shows and in which order: labels, field caps, author and date formatting."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date as babel_format_date

from bot.core.delivery import DigestHeader
from bot.core.i18n import CATALOGS, N_, _, current_language, ngettext, using
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

CAP_CAPTION = 300

LLM_NOTE = N_("Summary by {model}, written from {source}; it may contain mistakes — check the paper.")
EXTRACTIVE_NOTE = N_("Extractive summary: sentences taken from the abstract, not written by a model.")
FALLBACK_NOTE = N_("Extractive summary ({reason}): sentences taken from the abstract.")
SOURCES = {
    "full_text": N_("the full text (HTML v{version})"),
    "abstract": N_("the abstract"),
}
SOURCE_REASONS = {
    "no_html": N_("the abstract (arXiv has no HTML version)"),
    "unavailable": N_("the abstract (the HTML version could not be fetched)"),
    "unreadable": N_("the abstract (the HTML version could not be read)"),
    "budget": N_("the abstract (to save today's token budget)"),
}


def clean(text: str, cap: int) -> str:
    """Untrusted text made safe to lay out: no control or direction characters, one line, capped."""
    return shorten(" ".join(CONTROL_CHARACTERS.sub("", text).split()), cap)


def authors_line(authors: tuple[str, ...]) -> str:
    """Authors, long lists shortened with 'et al.'."""
    names = [clean(a, CAP_AUTHOR) for a in authors]
    if not names:
        return _("Unknown authors")
    if len(names) > MAX_AUTHORS_SHOWN:
        return _("{names} et al. ({count} authors)").format(
            names=", ".join(names[:AUTHORS_BEFORE_ET_AL]), count=len(names)
        )
    return ", ".join(names)


def format_date(moment: date) -> str:
    """A date as readers of the current language write it: 2 Feb 2024, 2024年2月2日."""
    locale = CATALOGS.get(current_language(), "en")
    # Translators: a date pattern in Unicode (CLDR) notation, e.g. y年M月d日
    return babel_format_date(moment, _("d MMM y"), locale=locale)


def format_day(moment: date) -> str:
    """A digest's day with its weekday: Thu 21 Nov 2026."""
    locale = CATALOGS.get(current_language(), "en")
    # Translators: a date pattern with the weekday in Unicode (CLDR) notation, e.g. y年M月d日 EEE
    return babel_format_date(moment, _("EEE d MMM y"), locale=locale)


def dates_line(card: Card) -> str:
    """Submission date, plus the latest version's date when it differs."""
    line = _("Submitted {date}").format(date=format_date(card.published))
    if card.version > 1 and card.updated.date() != card.published.date():
        line += f" · v{card.version} {format_date(card.updated)}"
    return line


def below_line(below: int) -> str:
    """The digest's note on papers under the chat's min_score (listed as links, not left out)."""
    return ngettext(
        "{count} paper scores below this chat's min_score: listed as links, not cards.",
        "{count} papers score below this chat's min_score: listed as links, not cards.",
        below,
    ).format(count=below)


def why_line(card: Card) -> str | None:
    """Why a digest carries this card: the topics it matched, and the liked paper it is most like."""
    topics = ", ".join(clean(t, CAP_TOPIC) for t in card.matched_topics[:5])
    parts = [_("Matched: {topics}").format(topics=topics)] if topics else []
    if card.because:
        parts.append(_("similar to “{title}”, which this chat liked").format(title=clean(card.because, 120)))
    return " · ".join(parts) or None


def source_phrase(card: Card) -> str:
    """What a model-written card was written from: the full text or the abstract (and why)."""
    if card.source == "full_text":
        return _(SOURCES["full_text"]).format(version=card.version)
    reason = SOURCE_REASONS.get(card.source_reason or "")
    return _(reason) if reason else _(SOURCES["abstract"])


_HTTP_REASON = re.compile(r"the language model answered HTTP (\d{3})")


def reason_text(reason: str) -> str:
    """Why a card is extractive, in the current language (reasons are stored in English)."""
    status = _HTTP_REASON.fullmatch(reason)
    if status:
        return _("the language model answered HTTP {status}").format(status=status.group(1))
    return _(reason)


def model_note(card: Card) -> str:
    """Who wrote the card's text, from what, stated honestly."""
    if not card.extractive:
        return _(LLM_NOTE).format(model=clean(card.model, 80), source=source_phrase(card))
    if card.fallback_reason:
        return _(FALLBACK_NOTE).format(reason=clean(reason_text(card.fallback_reason), 120))
    return _(EXTRACTIVE_NOTE)


def topics_phrase(topics: tuple[str, ...]) -> str:
    """The topics a digest covers (six at most, then how many more), in the current language."""
    shown = ", ".join(clean(t, 60) for t in topics[:6])
    if len(topics) > 6:
        return _("{topics} and {count} more").format(topics=shown, count=len(topics) - 6)
    return shown


def header_line(header: DigestHeader) -> tuple[str, str]:
    """The digest's title and its count line, as plain text in the chat's language."""
    with using(header.language):
        title = _("arXiv digest · {day}").format(day=format_day(header.day))
        count = ngettext(
            "{count} new paper for {topics}", "{count} new papers for {topics}", header.count
        ).format(count=header.count, topics=topics_phrase(header.topics))
        return title, count


def more_heading(more: int) -> str:
    """The heading of the links to papers beyond the chat's max_papers, in the current language."""
    return ngettext("{count} more new paper", "{count} more new papers", more).format(count=more)


@dataclass(frozen=True, slots=True)
class Labels:
    """The words around a card's content, in the card's language."""

    tldr: str
    takeaways: str
    abstract: str
    links: str
    figure: str
    code: str
    comment: str


def labels() -> Labels:
    """Card labels in the current language."""
    return Labels(
        tldr=_("TL;DR"),
        takeaways=_("Key takeaways"),
        abstract=_("Abstract"),
        links=_("Links"),
        figure=_("Figure"),
        code=_("Code"),
        comment=_("Comment"),
    )


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
    labels: Labels
    figure: tuple[str, str, str] | None  # (label, image URL, caption) of the key figure


def _figure(card: Card) -> tuple[str, str, str] | None:
    if not card.figure_url or not card.figure_url.startswith(("https://", "http://")):
        return None
    label = clean(card.figure_label or _("Figure"), 40)
    return label, card.figure_url, clean(card.figure_caption or "", CAP_CAPTION)


def card_text(card: Card) -> CardText:
    """Clean and cap every untrusted field of a card once, for all renderers (labels in its language)."""
    with using(card.language):
        return _card_text(card)


def _card_text(card: Card) -> CardText:
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
        translated_label=_("Abstract ({language})").format(language=_(language_name(card.language))),
        note=model_note(card),
        labels=labels(),
        figure=_figure(card),
    )
