"""Announcement feeds through feedparser, and keyword search through the arxiv client, against the fake."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.arxiv.client import DEFAULT_USER_AGENT, ArxivClient, ArxivUnavailableError
from bot.arxiv.feed import NOT_MODIFIED, FeedClient, Listing, Validators
from tests.fakes.arxiv_api import FakeArxiv
from tests.fakes.papers import LOSA, MCQA, OLD_STYLE


async def test_feed_items_become_announcements(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.announce("cs.CL", MCQA, "new")
    fake_arxiv.announce("cs.LG", LOSA, "cross")
    fake_arxiv.announce("cs.LG", replace(OLD_STYLE, arxiv_id="2411.00001", version=2), "replace")
    listing = await FeedClient(fake_arxiv.rss_url, timeout=2).fetch(["cs.LG", "cs.CL"])
    assert listing is not None
    assert fake_arxiv.rss_requests == ["cs.CL+cs.LG"]
    assert listing.day == fake_arxiv.today  # the channel's pubDate, as the Eastern date it names
    by_id = {a.paper.arxiv_id: a for a in listing.announcements}
    assert set(by_id) == {"2402.01349", "2502.14816", "2411.00001"}
    mcqa = by_id["2402.01349"].paper
    assert mcqa.title.startswith("Beyond the Answers: Reviewing")
    assert mcqa.authors[:2] == ("Haochun Wang", "Sendong Zhao")
    assert mcqa.abstract.startswith("In the field of natural language processing")
    assert mcqa.version == 2
    assert mcqa.categories == ("cs.CL",)
    assert [by_id[i].is_new for i in ("2402.01349", "2502.14816", "2411.00001")] == [True, True, False]


async def test_day_without_announcements_is_empty_not_an_error(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.new_day(date(2026, 11, 21))  # a Saturday
    listing = await FeedClient(fake_arxiv.rss_url, timeout=2).fetch(["cs.CL"])
    assert listing == Listing(date(2026, 11, 21), [], listing.validators if listing else Validators())


async def test_an_unchanged_feed_costs_a_304(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.announce("cs.CL", MCQA)
    feeds = FeedClient(fake_arxiv.rss_url, timeout=2, user_agent="test-bot/1.0 (mailto:ops@example.org)")
    first = await feeds.fetch(["cs.CL"])
    assert first is not None
    assert first.validators.etag
    assert first.validators.last_modified
    assert await feeds.fetch(["cs.CL"], first.validators) is NOT_MODIFIED
    assert await feeds.fetch(["cs.CL"], Validators(None, first.validators.last_modified)) is NOT_MODIFIED
    fake_arxiv.new_day(date(2026, 11, 20), {"cs.CL": [(LOSA, "new")]})
    changed = await feeds.fetch(["cs.CL"], first.validators)
    assert changed is not None
    assert changed.day == date(2026, 11, 20)
    assert [a.paper.arxiv_id for a in changed.announcements] == ["2502.14816"]
    assert fake_arxiv.not_modified == 2


@pytest.mark.parametrize("status", ["429", "503"])
async def test_retry_after_is_passed_on(fake_arxiv: FakeArxiv, status: str) -> None:
    fake_arxiv.rss_mode, fake_arxiv.retry_after = status, 7
    held: list[float] = []

    async def backoff(seconds: float) -> None:
        held.append(seconds)

    with pytest.raises(ArxivUnavailableError) as raised:
        await FeedClient(fake_arxiv.rss_url, timeout=2, backoff=backoff).fetch(["cs.CL"])
    assert raised.value.retry_after == 7
    assert held == [7]


@pytest.mark.parametrize("mode", ["503", "garbage", "hang"])
async def test_feed_failures_are_errors_not_empty_days(fake_arxiv: FakeArxiv, mode: str) -> None:
    fake_arxiv.rss_mode = mode
    with pytest.raises(ArxivUnavailableError):
        await FeedClient(fake_arxiv.rss_url, timeout=0.5).fetch(["cs.CL"])


async def test_keyword_search_in_a_window(fake_arxiv: FakeArxiv) -> None:
    client = ArxivClient(fake_arxiv.api_url, timeout=2)
    since, until = datetime(2025, 2, 1, tzinfo=UTC), datetime(2025, 3, 1, tzinfo=UTC)
    found = await client.search('all:"low-rank" AND cat:cs.LG', since, until)
    assert [p.arxiv_id for p in found] == ["2502.14816"]
    assert await client.search('all:"low-rank"', datetime(2024, 1, 1, tzinfo=UTC), since) == []
    query = fake_arxiv.requests[0]["search_query"]
    assert query == '(all:"low-rank" AND cat:cs.LG) AND submittedDate:[202502010000 TO 202503010000]'
    assert fake_arxiv.requests[0]["sortBy"] == "submittedDate"


async def test_batch_lookup(fake_arxiv: FakeArxiv) -> None:
    papers = await ArxivClient(fake_arxiv.api_url, timeout=2).fetch_many(
        ["2402.01349", "2502.14816", "2402.99999"]
    )
    assert sorted(p.arxiv_id for p in papers) == ["2402.01349", "2502.14816"]
    assert len(fake_arxiv.requests) == 1


async def test_the_feed_client_names_the_bot(fake_arxiv: FakeArxiv) -> None:
    await FeedClient(fake_arxiv.rss_url, timeout=2).fetch(["cs.CL"])
    assert fake_arxiv.user_agents == {DEFAULT_USER_AGENT}
