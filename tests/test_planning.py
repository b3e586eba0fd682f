"""Table tests for the pure planning functions and the delivery stream codec."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.models import ChatRef, Paper
from scheduler.planning import merge, plan_digest, rank
from scheduler.queue import Delivery

T0 = datetime(2026, 11, 18, 18, tzinfo=UTC)


def p(n: int, hours: int = 0) -> Paper:
    """Paper n, announced `hours` after T0."""
    at = T0 + timedelta(hours=hours)
    return Paper(f"2411.{n:05d}", 1, f"P{n}", ("A",), "x", ("cs.CL",), "cs.CL", at, at)


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        ({}, []),
        ({"cs.CL": [p(1)]}, [("2411.00001", ("cs.CL",))]),
        (
            {"cs.CL": [p(1), p(2)], "cs.LG": [p(2)]},
            [("2411.00001", ("cs.CL",)), ("2411.00002", ("cs.CL", "cs.LG"))],
        ),
        ({"cs.CL": [p(1), p(1)]}, [("2411.00001", ("cs.CL",))]),  # a feed listing a paper twice
        ({"q": [p(3)], "cs.CL": [p(3)]}, [("2411.00003", ("q", "cs.CL"))]),  # topics in the order given
    ],
)
def test_merge_gives_one_candidate_per_paper(
    found: dict[str, list[Paper]], expected: list[tuple[str, tuple[str, ...]]]
) -> None:
    assert [(c.paper.arxiv_id, c.topics) for c in merge(found)] == expected


@pytest.mark.parametrize(
    ("found", "order"),
    [
        ({"a": [p(1, 0), p(2, 5)]}, ["2411.00002", "2411.00001"]),  # newest first
        ({"a": [p(1, 0), p(2, 5)], "b": [p(1, 0)]}, ["2411.00001", "2411.00002"]),  # more topics first
        ({"a": [p(2, 0), p(1, 0)]}, ["2411.00001", "2411.00002"]),  # ties broken by id, stably
    ],
)
def test_rank(found: dict[str, list[Paper]], order: list[str]) -> None:
    assert [c.paper.arxiv_id for c in rank(merge(found))] == order


@pytest.mark.parametrize(
    ("count", "already", "max_papers", "chosen", "overflow"),
    [
        (0, set(), 10, 0, 0),
        (3, set(), 10, 3, 0),
        (12, set(), 10, 10, 2),
        (12, {"2411.00001", "2411.00002"}, 10, 10, 0),  # never a paper the chat already has
        (5, {f"2411.{n:05d}" for n in range(1, 6)}, 10, 0, 0),
        (5, set(), 1, 1, 4),
    ],
)
def test_plan_digest_caps_and_excludes(
    count: int, already: set[str], max_papers: int, chosen: int, overflow: int
) -> None:
    plan = plan_digest({"cs.CL": [p(n) for n in range(1, count + 1)]}, already, max_papers)
    assert (len(plan.chosen), len(plan.overflow)) == (chosen, overflow)
    assert plan.empty == (chosen + overflow == 0)
    assert not {c.paper.arxiv_id for c in (*plan.chosen, *plan.overflow)} & already


DELIVERIES = [
    Delivery(ChatRef("telegram", 5), "telegram:5@2026-11-19", ((("2411.00001", "card"),),), "en"),
    Delivery(
        ChatRef("telegram", -100123),
        "telegram:-100123@2026-11-19#now1795000000",
        (
            (("2411.00001", "card"), ("2411.00002", "row")),
            (("2411.00003", "link"), ("hep-th/9901001", "link")),
        ),
        "zh",
        header={"day": "2026-11-19", "count": 4, "topics": ["cs.CL", 'all:"few-shot"']},
        more=2,
        more_at=1,
        matched={"2411.00001": ["cs.CL", 'all:"few-shot"']},
    ),
    Delivery(ChatRef("cli", 1), "cli:1@2026-11-19", ((("2411.00009", "link"),),), "de", more=1, more_at=0),
]


@pytest.mark.parametrize("delivery", DELIVERIES)
def test_delivery_codec_round_trips(delivery: Delivery) -> None:
    assert Delivery.from_entry("1-0", delivery.fields()) == replace(delivery, id="1-0")


@pytest.mark.parametrize(
    ("messages", "more_at"),
    [
        ("card:a,card:b;link:c", 1),
        ("card:a,link:b;link:c", 0),
        ("card:a;card:b", -1),
    ],
)
def test_entries_queued_by_the_previous_release_still_decode(messages: str, more_at: int) -> None:
    fields = {"chat": "telegram:5", "round": "r", "messages": messages, "language": "en", "more": "1"}
    assert Delivery.from_entry("1-0", fields).more_at == more_at
