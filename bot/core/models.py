"""Plain data shared by every layer: papers, summaries, cards, chat references and replies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

EXTRACTIVE_MODEL = "extractive"


@dataclass(frozen=True, slots=True)
class Paper:
    """One arXiv paper's metadata, keyed by its id without version."""

    arxiv_id: str
    version: int
    title: str
    authors: tuple[str, ...]
    abstract: str
    categories: tuple[str, ...]
    primary_category: str
    published: datetime
    updated: datetime
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None

    @property
    def abs_url(self) -> str:
        """Link to the abstract page (always the latest version)."""
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def pdf_url(self) -> str:
        """Link to the PDF (always the latest version)."""
        return f"https://arxiv.org/pdf/{self.arxiv_id}"


@dataclass(frozen=True, slots=True)
class Summary:
    """What a summarizer wrote about a paper, in one language."""

    tldr: str
    summary: str
    takeaways: tuple[str, ...]
    language: str
    model: str
    translated_title: str | None = None
    translated_abstract: str | None = None
    fallback_reason: str | None = None
    source: str = "abstract"  # what the text was written from: "full_text" or "abstract"
    source_reason: str | None = None  # why not from the full text (bot.core.fulltext.AbsentReason)
    figure_label: str | None = None  # the key figure: "Figure 1", its image's absolute URL and caption
    figure_url: str | None = None
    figure_caption: str | None = None

    @property
    def extractive(self) -> bool:
        """True when no language model wrote this summary."""
        return self.model == EXTRACTIVE_MODEL


@dataclass(frozen=True, slots=True)
class Card:
    """A platform-neutral summary card; each platform renders it its own way."""

    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    published: datetime
    updated: datetime
    version: int
    comment: str | None
    tldr: str
    summary: str
    takeaways: tuple[str, ...]
    abstract: str
    language: str
    model: str
    url: str
    pdf_url: str
    code_url: str | None = None
    translated_title: str | None = None
    translated_abstract: str | None = None
    fallback_reason: str | None = None
    matched_topics: tuple[str, ...] = ()
    because: str | None = None  # the liked paper (its title) this card is most similar to, if that decided
    source: str = "abstract"  # "full_text" when the summary was written from the paper's HTML version
    source_reason: str | None = None
    figure_label: str | None = None
    figure_url: str | None = None
    figure_caption: str | None = None

    @property
    def extractive(self) -> bool:
        """True when the card's text was taken from the abstract rather than written by a model."""
        return self.model == EXTRACTIVE_MODEL


Platform = Literal["telegram", "discord", "cli"]
ChatKind = Literal["private", "group", "channel"]


@dataclass(frozen=True, slots=True)
class ChatRef:
    """A chat on some platform; the platform-neutral key for everything stored per chat."""

    platform: Platform
    chat_id: int

    def key(self) -> str:
        """Stable string form used in storage keys, e.g. ``telegram:-100123``."""
        return f"{self.platform}:{self.chat_id}"


@dataclass(frozen=True, slots=True)
class UserRef:
    """The person (or the chat itself, for anonymous posts) who sent a command."""

    platform: Platform
    user_id: int
    language_code: str | None = None

    def key(self) -> str:
        """Stable string form used in storage keys."""
        return f"{self.platform}:{self.user_id}"


SpanStyle = Literal["plain", "bold", "italic", "code", "link"]


@dataclass(frozen=True, slots=True)
class Span:
    """A run of untrusted text with one style; renderers escape it for their platform."""

    text: str
    style: SpanStyle = "plain"
    url: str | None = None


def plain(text: str) -> Span:
    """A plain span."""
    return Span(text)


def bold(text: str) -> Span:
    """A bold span."""
    return Span(text, "bold")


def code(text: str) -> Span:
    """A monospace span, for commands and examples the user can copy."""
    return Span(text, "code")


def link(text: str, url: str) -> Span:
    """A hyperlink span."""
    return Span(text, "link", url)


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button; `payload` comes back to handlers.buttons when it is pressed (at most 64 bytes)."""

    label: str
    payload: str


@dataclass(frozen=True, slots=True)
class TextReply:
    """A reply made of styled spans; paragraphs are separated by blank lines inside the spans.

    `personal` marks a reply only the person who asked needs to see (an error, a refusal, the settings);
    platforms that can show a reply to one person only (Discord's ephemeral messages) do so. `muted`
    marks one that platforms whose replies are public leave unsent (a refusal repeated in a busy group:
    it would only crowd out the answers the group is waiting for).
    """

    spans: tuple[Span, ...]
    buttons: tuple[Button, ...] = ()
    personal: bool = False
    muted: bool = False

    @classmethod
    def of(cls, *spans: Span | str, buttons: tuple[Button, ...] = (), personal: bool = False) -> TextReply:
        """Build a reply from spans, with bare strings taken as plain text."""
        return cls(tuple(plain(s) if isinstance(s, str) else s for s in spans), buttons, personal)

    @classmethod
    def error(cls, *spans: Span | str) -> TextReply:
        """A personal reply saying why a request cannot be done (with an example that works)."""
        return cls.of(*spans, personal=True)

    def plain_text(self) -> str:
        """The reply without styling, e.g. for logs and plain-text platforms."""
        return "".join(span.text for span in self.spans)


@dataclass(frozen=True, slots=True)
class CardsReply:
    """One or more cards, with an optional line before them."""

    cards: tuple[Card, ...]
    intro: TextReply | None = None


Reply = TextReply | CardsReply
