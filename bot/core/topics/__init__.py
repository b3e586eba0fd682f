"""Topics a chat can follow: arXiv categories and keyword queries, in one canonical form."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

from bot.core.i18n import _
from bot.core.text import canonical_input
from bot.core.topics.query import Node, Term, TopicError, parse_query, render
from bot.core.topics.taxonomy import canonical_category, category_name, looks_like_category, unknown_category

MAX_TOPIC_LENGTH = 200
EXAMPLE_CATEGORY = "cs.CL"
EXAMPLE_QUERY = '"few-shot" AND cat:cs.LG'

__all__ = [
    "EXAMPLE_CATEGORY",
    "EXAMPLE_QUERY",
    "MAX_TOPIC_LENGTH",
    "Topic",
    "TopicError",
    "parse_topic",
    "stored_topic",
]

# Line breaks and tabs are only spacing; every other control, format (zero-width, bidi override),
# private-use or unassigned character is refused rather than stored in keys nobody can retype.
_SPACING = frozenset("\t\n\r")
_INVISIBLE = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})


@dataclass(frozen=True, slots=True)
class Topic:
    """A validated topic; `canonical` is its identity everywhere (storage, display, dedup)."""

    kind: Literal["category", "query"]
    canonical: str

    @property
    def label(self) -> str:
        """How the topic is shown to users."""
        if self.kind == "category":
            return f"{self.canonical} ({category_name(self.canonical)})"
        return self.canonical

    @property
    def api_query(self) -> str:
        """The arXiv API search_query for this topic."""
        return f"cat:{self.canonical}" if self.kind == "category" else self.canonical


def _refuse_invisible(text: str) -> None:
    for ch in text:
        if ch not in _SPACING and unicodedata.category(ch) in _INVISIBLE:
            reason = _(
                "it contains an invisible or control character ({codepoint}) — type it again without it"
            )
            raise TopicError(reason.format(codepoint=f"U+{ord(ch):04X}"))


def _category_topic(text: str) -> Topic:
    category = canonical_category(text)
    if category is None:
        raise TopicError(unknown_category(text))
    return Topic("category", category)


def _parse(stripped: str) -> Topic:
    if looks_like_category(stripped) or canonical_category(stripped) is not None:
        return _category_topic(stripped)
    node: Node = parse_query(stripped)
    if isinstance(node, Term) and node.field == "cat":
        return Topic("category", node.value)
    return Topic("query", render(node))


def parse_topic(text: str) -> Topic:
    """Parse what a user typed into a canonical Topic; raises TopicError with a friendly reason.

    Whatever is accepted reads back: the canonical form is itself within the length limit and parses to
    the same topic, so what is stored always works in /topics, /unsubscribe and digests.
    """
    stripped = canonical_input(text).strip()
    if not stripped:
        raise TopicError(_("no topic was given"))
    if len(stripped) > MAX_TOPIC_LENGTH:
        raise TopicError(_("a topic can be at most {limit} characters long").format(limit=MAX_TOPIC_LENGTH))
    _refuse_invisible(stripped)
    topic = _parse(stripped)
    if len(topic.canonical) > MAX_TOPIC_LENGTH:
        raise TopicError(
            _(
                "written out in full it is {length} characters long and a topic can be at most {limit} — "
                "use fewer terms"
            ).format(length=len(topic.canonical), limit=MAX_TOPIC_LENGTH)
        )
    if _parse(topic.canonical) != topic:  # a guard: a form that would not read back is never stored
        raise TopicError(_("it cannot be written in a form that reads back the same — rephrase it"))
    return topic


def stored_topic(canonical: str) -> Topic | None:
    """A topic as stored, read back without today's input limits (older releases accepted longer ones);
    None when it no longer parses at all (e.g. a category arXiv has retired)."""
    try:
        return _parse(canonical)
    except TopicError:
        return None
