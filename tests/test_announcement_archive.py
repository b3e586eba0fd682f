"""The announcement archive: every paper arXiv announces in a subscribed category reaches every subscribed
chat exactly once, whatever the digest times, cached checks, failed fetches or downtime.

A fake clock drives the scheduler; the fake arXiv rebuilds its feeds at midnight Eastern (05:00 UTC in
November) with the new listing day, as arXiv does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from redis.asyncio import Redis

from bot.app.composition import Pipeline, Services, build_services
from bot.core.models import ChatRef
from scheduler.service import DigestScheduler
from tests.conftest import SettingsFactory
from tests.fakes.arxiv_api import FakeArxiv
from tests.fakes.papers import FakePaper
from tests.fakes.telegram_api import FakeTelegram
from tests.support.digest import (
    ABS_LINK,
    add_chat,
    audit,
    check_invariants,
    drain,
    paper,
    pipeline_for,
    scheduler_of,
)

MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 11, 16) + timedelta(days=n) for n in range(7))
NEXT_MON = date(2026, 11, 23)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def boundary(day: date) -> datetime:
    """Midnight Eastern on `day` (EST in November: 05:00 UTC)."""
    return utc(day, 5)


def submitted_before(day: date, n: int, category: str = "cs.CL") -> FakePaper:
    """A paper of listing day `day`: submitted (v1) the afternoon before."""
    when = utc(day - timedelta(days=1), 18, n % 60)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return paper(n, category, published=stamp, updated=stamp)


@dataclass
class World:
    """The fakes, the pipeline and a clock the test moves."""

    services: Services
    tg: FakeTelegram
    arxiv: FakeArxiv
    pipeline: Pipeline
    scheduler: DigestScheduler
    now: datetime

    def listing(self, day: date, papers: list[FakePaper], category: str = "cs.CL") -> None:
        """arXiv rebuilds the feed for listing day `day`."""
        self.arxiv.new_day(day, {category: [(p, "new") for p in papers]})

    async def at(self, when: datetime) -> list[str]:
        """Run the scheduler (its tick, and the poller) at `when`; returns `chat:paper` pairs delivered."""
        self.now = when
        before = len(self.tg.sent)
        await self.scheduler.poll()
        if any(report.messages for report in await self.scheduler.tick()):
            await drain(self.pipeline)
        return sorted(
            f"{m.chat_id}:{paper_id}"
            for m in self.tg.sent[before:]
            for paper_id in set(ABS_LINK.findall(m.text))
        )


@pytest.fixture
async def world(
    digest_settings: SettingsFactory, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv, redis: Redis
) -> AsyncIterator[World]:
    services = build_services(digest_settings())
    pipeline = pipeline_for(services, fake_tg)
    state = World(services, fake_tg, fake_arxiv, pipeline, scheduler_of(services, pipeline), utc(MON, 0))
    state.scheduler = scheduler_of(services, pipeline, clock=lambda: state.now)
    yield state
    await pipeline.aclose()
    await services.aclose()


def ids(*numbers: int) -> list[str]:
    return [f"2411.{n:05d}" for n in numbers]


def pairs(chat: int, *numbers: int) -> list[str]:
    return [f"{chat}:{paper_id}" for paper_id in ids(*numbers)]


async def test_chats_just_before_and_after_an_announcement_get_each_paper_once_on_the_right_day(
    world: World,
) -> None:
    before, after, primer = 1, 2, 3  # digests at 23:55, 00:05 and 23:50 Eastern
    for chat, hhmm in ((before, "23:55"), (after, "00:05"), (primer, "23:50")):
        await add_chat(world.services, world.tg, chat, ["cs.CL"], time=hhmm, timezone="America/New_York")
    world.listing(WED, [submitted_before(WED, n) for n in (1, 2, 3)])
    assert await world.at(boundary(WED) + timedelta(minutes=5)) == pairs(after, 1, 2, 3)
    # Wednesday 23:50 Eastern: a round reads (and checks) the listing shown since Wednesday's midnight.
    assert await world.at(boundary(THU) - timedelta(minutes=10)) == pairs(primer, 1, 2, 3)
    assert await world.at(boundary(THU) - timedelta(minutes=5)) == pairs(before, 1, 2, 3)
    world.listing(THU, [submitted_before(THU, n) for n in (4, 5, 6)])  # arXiv's midnight rebuild
    # Five minutes later the check made at 23:50 is not trusted: the feed is read again.
    assert await world.at(boundary(THU) + timedelta(minutes=5)) == pairs(after, 4, 5, 6)
    assert await world.at(boundary(FRI) - timedelta(minutes=10)) == pairs(primer, 4, 5, 6)
    assert await world.at(boundary(FRI) - timedelta(minutes=5)) == pairs(before, 4, 5, 6)
    chats = [ChatRef("telegram", c) for c in (before, after, primer)]
    result = await audit(world.services, world.tg, chats)
    check_invariants(result, max_uncertain=0)
    assert result.states() == {"sent": 18}


async def test_a_feed_not_rebuilt_yet_is_retried_the_same_day(world: World) -> None:
    await add_chat(world.services, world.tg, 1, ["cs.CL"], time="00:05", timezone="America/New_York")
    world.listing(WED, [submitted_before(WED, 1)])
    assert await world.at(boundary(WED) + timedelta(minutes=5)) == pairs(1, 1)
    # Thursday 00:05 Eastern: arXiv is late, the feed still shows Wednesday's listing.
    assert await world.at(boundary(THU) + timedelta(minutes=5)) == []
    world.listing(THU, [submitted_before(THU, 2)])
    assert await world.at(boundary(THU) + timedelta(minutes=21)) == pairs(1, 2)  # the retry, same day
    assert await world.at(boundary(THU) + timedelta(hours=3)) == []  # and only once


async def test_the_bot_down_across_two_announcement_days_catches_up_once(world: World) -> None:
    await add_chat(world.services, world.tg, 1, ["cs.CL"], time="09:00")
    world.listing(MON, [submitted_before(MON, n) for n in (1, 2)])
    assert await world.at(utc(MON, 9)) == pairs(1, 1, 2)
    # Down from Monday 10:00 to Thursday 09:00: Tuesday's and Wednesday's listings are never read.
    world.listing(TUE, [submitted_before(TUE, n) for n in (3, 4)])
    world.listing(WED, [submitted_before(WED, n) for n in (5, 6)])
    world.listing(THU, [submitted_before(THU, n) for n in (7, 8)])
    assert await world.at(utc(THU, 9)) == pairs(1, 3, 4, 5, 6, 7, 8)
    assert await world.at(utc(FRI, 9)) == []
    days = await world.services.archive.days("cs.CL")
    assert (days[TUE].source, days[WED].source, days[THU].source) == ("backfill", "backfill", "feed")
    assert world.services.metrics.backfilled_days._value.get() == 2
    result = await audit(world.services, world.tg, [ChatRef("telegram", 1)])
    check_invariants(result, max_uncertain=0)
    assert result.states() == {"sent": 8}


async def test_a_chat_whose_fetches_fail_all_day_gets_them_the_next_day(world: World) -> None:
    await add_chat(world.services, world.tg, 1, ["cs.CL"], time="09:00")
    world.listing(TUE, [submitted_before(TUE, 1)])
    assert await world.at(utc(TUE, 9)) == pairs(1, 1)
    world.listing(WED, [submitted_before(WED, n) for n in (2, 3)])
    world.arxiv.rss_mode = "503"
    for hour in range(9, 24):  # every retry of the day fails
        assert await world.at(utc(WED, hour, 30)) == []
    world.arxiv.rss_mode = "ok"
    world.listing(THU, [submitted_before(THU, 4)])
    assert await world.at(utc(THU, 9)) == pairs(1, 2, 3, 4)


async def test_a_new_category_whose_first_polls_fail_is_back_filled(world: World) -> None:
    await add_chat(world.services, world.tg, 1, ["cs.CL"], time="09:00")
    world.listing(WED, [submitted_before(WED, n) for n in (1, 2)])
    world.arxiv.rss_mode = "503"
    assert await world.at(utc(WED, 9)) == []
    world.arxiv.rss_mode = "ok"
    world.listing(THU, [submitted_before(THU, 3)])
    assert await world.at(utc(THU, 9)) == pairs(1, 1, 2, 3)


async def test_weekends_and_holidays_send_nothing_and_repeat_nothing(world: World) -> None:
    await add_chat(world.services, world.tg, 1, ["cs.CL"], time="09:00")
    world.listing(FRI, [submitted_before(FRI, n) for n in (1, 2)])
    assert await world.at(utc(FRI, 9)) == pairs(1, 1, 2)
    for day in (SAT, SUN):
        world.listing(day, [])  # arXiv's feeds are empty at weekends
        assert await world.at(utc(day, 9)) == []
    world.listing(NEXT_MON, [])  # a holiday: an empty listing on a weekday
    assert await world.at(utc(NEXT_MON, 9)) == []
    world.listing(NEXT_MON + timedelta(days=1), [submitted_before(NEXT_MON, 3)])
    assert await world.at(utc(NEXT_MON + timedelta(days=1), 9)) == pairs(1, 3)
    assert [r for r in world.arxiv.requests if r.get("search_query")] == []  # nothing was missed
    assert world.tg.sent[-1].visible_text.startswith("📚 arXiv digest")


async def test_a_replacement_is_never_sent_as_new(world: World) -> None:
    await add_chat(world.services, world.tg, 1, ["cs.CL"], time="09:00")
    old = paper(9, published="2026-10-01T10:00:00Z", updated="2026-11-18T10:00:00Z", version=2)
    world.arxiv.new_day(WED, {"cs.CL": [(old, "replace"), (submitted_before(WED, 1), "new")]})
    assert await world.at(utc(WED, 9)) == pairs(1, 1)
    # Down Thursday; Friday's poll back-fills Thursday from the API, where the replaced paper also shows.
    world.arxiv.new_day(THU, {"cs.CL": [(old, "replace")]})
    world.listing(FRI, [submitted_before(FRI, 2)])
    assert await world.at(utc(FRI, 9)) == pairs(1, 2)  # version-1 submissions only


async def test_pause_then_resume_does_not_flood(world: World) -> None:
    chat = await add_chat(world.services, world.tg, 1, ["cs.CL"], time="09:00")
    await add_chat(world.services, world.tg, 2, ["cs.CL"], time="09:00")  # keeps reading meanwhile
    world.listing(MON, [submitted_before(MON, 1)])
    assert await world.at(utc(MON, 9)) == [*pairs(1, 1), *pairs(2, 1)]
    await world.services.chats.set_setting(chat, "paused", "1")
    world.listing(TUE, [submitted_before(TUE, 2)])
    assert await world.at(utc(TUE, 9)) == pairs(2, 2)
    world.listing(WED, [submitted_before(WED, 3)])
    assert await world.at(utc(WED, 9)) == pairs(2, 3)
    await world.pipeline.restart_digests(chat)  # what /resume does, then unpauses
    await world.services.chats.set_setting(chat, "paused", "0")
    world.listing(THU, [submitted_before(THU, 4)])
    assert await world.at(utc(THU, 9)) == [*pairs(1, 4), *pairs(2, 4)]  # not 2 and 3


async def test_polls_are_conditional_and_one_at_a_time(world: World) -> None:
    await add_chat(world.services, world.tg, 1, ["cs.CL"], time="09:00")
    world.listing(WED, [submitted_before(WED, 1)])
    await world.at(utc(WED, 9))
    requests = len(world.arxiv.rss_requests)
    for minute in range(10, 24 * 60, 10):  # the poller's ticks until Thursday 08:50
        when = utc(WED, 9) + timedelta(minutes=minute)
        if when == boundary(THU):
            world.listing(THU, [submitted_before(THU, 2)])
        await world.at(when)
    polled = len(world.arxiv.rss_requests) - requests
    # Hourly from Wednesday 10:00 to Thursday 04:00 (19), at the boundary (1), then hourly again (3).
    assert polled == 23
    assert world.arxiv.not_modified == 22  # all but the one after arXiv's rebuild were 304s
    polls = world.services.metrics.polls
    assert (polls.labels("fetched")._value.get(), polls.labels("not_modified")._value.get()) == (2, 22)


async def test_housekeeping_forgets_announcements_past_the_look_back(world: World) -> None:
    await add_chat(world.services, world.tg, 1, ["cs.CL"], time="09:00")
    world.listing(MON, [submitted_before(MON, 1)])
    assert await world.at(utc(MON, 9)) == pairs(1, 1)
    world.listing(TUE, [submitted_before(TUE, 2)])
    await world.at(utc(TUE, 9))
    world.now = utc(MON, 9) + timedelta(days=9)  # past LOOKBACK_DAYS (7) and a day of margin
    await world.scheduler.housekeeping()
    archived = await world.services.archive.read(["cs.CL"], 0, MON)
    assert archived.papers == {"cs.CL": [("2411.00002", TUE)]}
    assert MON not in await world.services.archive.days("cs.CL")


async def test_a_back_fill_that_fails_is_retried_by_the_next_poll(world: World) -> None:
    await add_chat(world.services, world.tg, 1, ["cs.CL"], time="09:00")
    world.listing(MON, [submitted_before(MON, 1)])
    assert await world.at(utc(MON, 9)) == pairs(1, 1)
    world.listing(TUE, [submitted_before(TUE, 2)])  # missed: the bot is down on Tuesday
    world.listing(WED, [submitted_before(WED, 3)])
    world.arxiv.mode = "503"  # the API is down when the gap is found (the feed works)
    assert await world.at(utc(WED, 9)) == pairs(1, 3)
    assert list(await world.services.archive.gaps()) == ["cs.CL"]
    world.arxiv.mode = "ok"
    assert await world.at(utc(WED, 10)) == []  # the hourly poll back-fills Tuesday
    assert await world.services.archive.gaps() == {}
    world.listing(THU, [submitted_before(THU, 4)])
    assert await world.at(utc(THU, 9)) == pairs(1, 2, 4)
