"""Topics a chat can follow: arXiv categories and keyword queries, in one canonical form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.core.i18n import _
from bot.core.topics.query import Node, Term, TopicError, parse_query, render
from bot.core.topics.taxonomy import canonical_category, category_name, looks_like_category, unknown_category

MAX_TOPIC_LENGTH = 200
EXAMPLE_CATEGORY = "cs.CL"
EXAMPLE_QUERY = '"few-shot" AND cat:cs.LG'

__all__ = ["EXAMPLE_CATEGORY", "EXAMPLE_QUERY", "MAX_TOPIC_LENGTH", "Topic", "TopicError", "parse_topic"]


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


def _category_topic(text: str) -> Topic:
    category = canonical_category(text)
    if category is None:
        raise TopicError(unknown_category(text))
    return Topic("category", category)


def parse_topic(text: str) -> Topic:
    """Parse what a user typed into a canonical Topic; raises TopicError with a friendly reason."""
    stripped = text.strip()
    if not stripped:
        raise TopicError(_("no topic was given"))
    if len(stripped) > MAX_TOPIC_LENGTH:
        raise TopicError(_("a topic can be at most {limit} characters long").format(limit=MAX_TOPIC_LENGTH))
    if looks_like_category(stripped) or canonical_category(stripped) is not None:
        return _category_topic(stripped)
    node: Node = parse_query(stripped)
    if isinstance(node, Term) and node.field == "cat":
        return Topic("category", node.value)
    canonical = render(node)
    if len(canonical) > MAX_TOPIC_LENGTH + 50:
        raise TopicError(_("a topic can be at most {limit} characters long").format(limit=MAX_TOPIC_LENGTH))
    return Topic("query", canonical)
