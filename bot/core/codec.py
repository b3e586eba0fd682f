"""JSON (de)serialisation of the plain data in bot.core.models, for Redis and the CLI."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from bot.core.models import Card, Paper, Summary


def _default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(value: Paper | Summary | Card) -> str:
    """Serialise one model to compact JSON."""
    return json.dumps(asdict(value), default=_default, ensure_ascii=False, separators=(",", ":"))


def paper_from_json(raw: str) -> Paper:
    """Inverse of dumps() for a Paper."""
    data: dict[str, Any] = json.loads(raw)
    data["authors"] = tuple(data["authors"])
    data["categories"] = tuple(data["categories"])
    data["published"] = datetime.fromisoformat(data["published"])
    data["updated"] = datetime.fromisoformat(data["updated"])
    return Paper(**data)


def summary_from_json(raw: str) -> Summary:
    """Inverse of dumps() for a Summary."""
    data: dict[str, Any] = json.loads(raw)
    data["takeaways"] = tuple(data["takeaways"])
    return Summary(**data)


def card_to_dict(card: Card) -> dict[str, Any]:
    """A card as JSON-ready data (the CLI's --format json)."""
    data = asdict(card)
    data["published"] = card.published.isoformat()
    data["updated"] = card.updated.isoformat()
    data["authors"] = list(card.authors)
    data["categories"] = list(card.categories)
    data["takeaways"] = list(card.takeaways)
    data["matched_topics"] = list(card.matched_topics)
    return data
