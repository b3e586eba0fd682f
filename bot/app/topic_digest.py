"""`python -m bot digest <topic>`: today's digest for one topic, printed, with no Redis or LLM needed."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TextIO

from bot.app.composition import Services, build_discovery
from bot.cards import markdown, plain
from bot.cards.build import build_card, link_card
from bot.cards.layout import format_date
from bot.core.codec import card_to_dict
from bot.core.delivery import DigestHeader, DigestMessage
from bot.core.models import Card
from bot.core.topics import Topic
from bot.platforms.telegram.digest import render_digest
from scheduler.planning import plan_digest


def progress_bar(stream: TextIO) -> Callable[[int, int], None]:
    """A one-line progress bar on a terminal stream (stderr), redrawn in place."""

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        stream.write(f"\rsummarizing [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show


async def topic_digest(
    services: Services, topic: Topic, language: str, limit: int, progress: Callable[[int, int], None]
) -> tuple[list[Card], list[Card], dict[str, str]]:
    """Cards for today's papers of one topic, the rest as link cards, and any failed sources."""
    discovery = build_discovery(services)
    now = datetime.now(UTC)
    found = await discovery.collect([topic], now - timedelta(days=1), now)
    plan = plan_digest(found.papers, set(), limit)
    cards = []
    progress(0, len(plan.chosen))
    for done, candidate in enumerate(plan.chosen, 1):
        summary = await services.summaries.get(candidate.paper, language)
        cards.append(build_card(candidate.paper, summary))
        progress(done, len(plan.chosen))
    return cards, [link_card(c.paper, language) for c in plan.overflow], found.failed


def render(topic: Topic, cards: list[Card], more: list[Card], fmt: str) -> str:
    """The digest in one of the CLI formats."""
    today = datetime.now(UTC).date()
    if fmt == "json":
        return json.dumps(
            {
                "topic": topic.canonical,
                "date": today.isoformat(),
                "papers": [card_to_dict(c) for c in cards],
                "more": [{"arxiv_id": c.arxiv_id, "title": c.title, "url": c.url} for c in more],
            },
            ensure_ascii=False,
            indent=2,
        )
    if fmt == "markdown":
        return markdown.render_daily_page(
            f"arXiv digest — {topic.canonical} — {format_date(today)}", cards, more
        )
    if fmt == "telegram-html":
        header = DigestHeader(today, len(cards) + len(more), (topic.canonical,))
        items = tuple((c, "card") for c in cards) + tuple((c, "link") for c in more)
        return "\n\n".join(render_digest(DigestMessage(items, header, len(more))))  # type: ignore[arg-type]
    text = plain.render_cards(cards)
    if more:
        text += f"\n{len(more)} more:\n" + "\n".join(f"  {c.title} — {c.url}" for c in more) + "\n"
    return text
