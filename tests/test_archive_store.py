"""The announcement archive's storage contract, on a real redis-server and on the embedded store."""

from __future__ import annotations

from datetime import date

import pytest
from redis.asyncio import Redis

from bot.store.archive import Archive, DayRecord, Gap, PollState
from bot.store.keys import Keys

MON, TUE, WED = date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 18)


@pytest.fixture
def archive(backend: Redis) -> Archive:
    return Archive(backend, Keys("t:"))


async def test_each_paper_is_archived_once_and_read_once_after_a_cursor(archive: Archive) -> None:
    assert await archive.record("cs.CL", ["a", "b"], MON, "feed") == 2
    assert await archive.record("cs.CL", ["b", "c"], TUE, "feed") == 1  # b keeps its first listing day
    assert await archive.record("cs.LG", ["b"], TUE, "feed") == 1  # per category
    first = await archive.read(["cs.CL", "cs.LG"], 0, MON)
    assert first.papers == {"cs.CL": [("a", MON), ("b", MON), ("c", TUE)], "cs.LG": [("b", TUE)]}
    assert first.cursor == 4
    assert await archive.record("cs.CL", ["d"], WED, "backfill") == 1
    second = await archive.read(["cs.CL", "cs.LG"], first.cursor, MON)
    assert second.papers == {"cs.CL": [("d", WED)], "cs.LG": []}
    assert (await archive.read(["cs.CL"], second.cursor, MON)).papers == {"cs.CL": []}
    assert await archive.cursor_now() == second.cursor


async def test_a_new_chat_reads_the_latest_listing_within_the_look_back(archive: Archive) -> None:
    await archive.record("cs.CL", ["a"], MON, "feed")
    await archive.record("cs.CL", ["b", "c"], TUE, "feed")
    assert (await archive.read(["cs.CL"], None, MON)).papers == {"cs.CL": [("b", TUE), ("c", TUE)]}
    assert (await archive.read(["cs.CL"], 0, TUE)).papers == {"cs.CL": [("b", TUE), ("c", TUE)]}
    assert (await archive.read(["cs.CL"], None, WED)).papers == {"cs.CL": []}  # older than the look-back


async def test_poll_states_days_gaps_and_validators_round_trip(archive: Archive) -> None:
    assert await archive.poll_states(["cs.CL"]) == {"cs.CL": PollState()}
    state = PollState(12.5, TUE, None, 3.0, "HTTP 503")
    await archive.set_polled({"cs.CL": state})
    assert await archive.poll_states(["cs.CL"]) == {"cs.CL": state}
    await archive.set_day("cs.CL", TUE, DayRecord("feed", 2, 1.0, 2.0))
    assert await archive.days("cs.CL") == {TUE: DayRecord("feed", 2, 1.0, 2.0)}
    gap = Gap(MON, WED, (TUE,))
    await archive.add_gap("cs.CL", gap)
    assert await archive.gaps() == {"cs.CL": gap}
    await archive.clear_gap("cs.CL")
    assert await archive.gaps() == {}
    await archive.set_validators("https://rss/cs.CL", '"abc"', "Tue, 17 Nov 2026 05:00:00 GMT")
    assert await archive.validators("https://rss/cs.CL") == {
        "etag": '"abc"',
        "last_modified": "Tue, 17 Nov 2026 05:00:00 GMT",
    }


async def test_one_poller_holds_the_lock(archive: Archive) -> None:
    token = await archive.lock(60)
    assert token is not None
    assert await archive.lock(60) is None
    assert await archive.locked()
    await archive.unlock("not-mine")
    assert await archive.locked()
    await archive.unlock(token)
    assert not await archive.locked()


async def test_housekeeping_forgets_what_is_past_the_look_back(archive: Archive, backend: Redis) -> None:
    await archive.record("cs.CL", ["old"], MON, "feed")
    await archive.record("cs.CL", ["new"], WED, "feed")
    await archive.set_day("cs.CL", MON, DayRecord("feed", 1))
    await archive.record("cs.LG", ["gone"], MON, "feed")
    assert await archive.prune(TUE) == 2
    assert (await archive.read(["cs.CL", "cs.LG"], 0, MON)).papers == {"cs.CL": [("new", WED)], "cs.LG": []}
    assert await archive.days("cs.CL") == {}
    assert sorted(await backend.smembers("t:{archive}:categories")) == ["cs.CL"]
