"""Card builders for tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.core.models import Card

BASE_CARD = Card(
    arxiv_id="2402.01349",
    title="Beyond the Answers",
    authors=("Haochun Wang", "Sendong Zhao"),
    categories=("cs.CL",),
    published=datetime(2024, 2, 2, tzinfo=UTC),
    updated=datetime(2024, 6, 5, tzinfo=UTC),
    version=2,
    comment="17 pages",
    tldr="MCQA misjudges LLMs.",
    summary="A summary.",
    takeaways=("One.", "Two.", "Three."),
    abstract="An abstract.",
    language="en",
    model="fake-model-1",
    url="https://arxiv.org/abs/2402.01349",
    pdf_url="https://arxiv.org/pdf/2402.01349",
)


def card(**changes: object) -> Card:
    """BASE_CARD with some fields replaced."""
    return replace(BASE_CARD, **changes)  # type: ignore[arg-type]
