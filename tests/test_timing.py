"""Digest timing with a fake clock: time zones, DST changes, offsets and missed runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.core.timing import (
    announcement_boundary,
    announcement_date,
    announcement_days_between,
    is_due,
    local_date,
    next_run,
    scheduled_at,
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_scheduled_in_zone() -> None:
    assert scheduled_at(date(2026, 1, 15), "09:00", "Asia/Shanghai") == utc(2026, 1, 15, 1, 0)
    assert scheduled_at(date(2026, 1, 15), "09:00", "UTC+05:30") == utc(2026, 1, 15, 3, 30)
    assert scheduled_at(date(2026, 1, 15), "09:00", "UTC") == utc(2026, 1, 15, 9, 0)


def test_dst_changes_keep_local_wall_clock() -> None:
    # Berlin: UTC+1 in winter, UTC+2 in summer; 09:00 local stays 09:00 local.
    assert scheduled_at(date(2026, 3, 28), "09:00", "Europe/Berlin") == utc(2026, 3, 28, 8, 0)
    assert scheduled_at(date(2026, 3, 29), "09:00", "Europe/Berlin") == utc(2026, 3, 29, 7, 0)
    assert scheduled_at(date(2026, 10, 25), "09:00", "Europe/Berlin") == utc(2026, 10, 25, 8, 0)


def test_time_in_spring_gap_runs_right_after_it() -> None:
    # 2026-03-08: New York jumps from 02:00 to 03:00.
    assert scheduled_at(date(2026, 3, 8), "02:30", "America/New_York") == utc(2026, 3, 8, 7, 0)


def test_repeated_autumn_time_runs_once_at_first_occurrence() -> None:
    # 2026-11-01: New York repeats 01:00-02:00; the first 01:30 is EDT (UTC-4).
    assert scheduled_at(date(2026, 11, 1), "01:30", "America/New_York") == utc(2026, 11, 1, 5, 30)


def test_due_after_time_until_done() -> None:
    zone, at = "Europe/Berlin", "09:00"
    assert not is_due(utc(2026, 6, 1, 6, 59), at, zone, None)
    assert is_due(utc(2026, 6, 1, 7, 0), at, zone, None)
    assert not is_due(utc(2026, 6, 1, 7, 0), at, zone, date(2026, 6, 1))


def test_missed_run_is_delivered_late_the_same_day_not_never() -> None:
    # The process was down from 08:00 to 20:00 local: at 20:00 the round is still due.
    assert is_due(utc(2026, 6, 1, 18, 0), "09:00", "Europe/Berlin", date(2026, 5, 31))
    # The next day it is due only at its time again (yesterday's missed round is not doubled).
    assert not is_due(utc(2026, 6, 2, 6, 0), "09:00", "Europe/Berlin", date(2026, 6, 1))


def test_local_date_crosses_midnight_by_zone() -> None:
    moment = utc(2026, 6, 1, 23, 30)
    assert local_date(moment, "Asia/Tokyo") == date(2026, 6, 2)
    assert local_date(moment, "America/Los_Angeles") == date(2026, 6, 1)


zones = st.sampled_from(
    [
        "UTC",
        "Europe/Berlin",
        "America/New_York",
        "Asia/Shanghai",
        "Australia/Lord_Howe",
        "America/St_Johns",
        "UTC+05:45",
        "UTC-09:30",
        "Pacific/Chatham",
    ]
)
times = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))
moments = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2030, 1, 1),
    timezones=st.just(UTC),
)


@given(moments, times, zones)
def test_next_run_is_the_first_due_moment(now: datetime, at: str, zone: str) -> None:
    upcoming = next_run(now, at, zone)
    assert now < upcoming <= now + timedelta(days=2)
    day = local_date(upcoming, zone)
    yesterday = day - timedelta(days=1)
    assert is_due(upcoming, at, zone, yesterday)
    assert not is_due(upcoming - timedelta(seconds=1), at, zone, yesterday)


def test_announcement_boundaries_follow_eastern_midnight() -> None:
    # 04:59 UTC in November is 23:59 Eastern (EST): still the previous day's listing.
    before = datetime(2026, 11, 19, 4, 59, tzinfo=UTC)
    after = datetime(2026, 11, 19, 5, 1, tzinfo=UTC)
    assert announcement_boundary(before) == datetime(2026, 11, 18, 5, 0, tzinfo=UTC)
    assert announcement_boundary(after) == datetime(2026, 11, 19, 5, 0, tzinfo=UTC)
    assert (announcement_date(before), announcement_date(after)) == (date(2026, 11, 18), date(2026, 11, 19))
    summer = datetime(2026, 7, 1, 4, 30, tzinfo=UTC)  # EDT: midnight is 04:00 UTC
    assert announcement_boundary(summer) == datetime(2026, 7, 1, 4, 0, tzinfo=UTC)


def test_missed_listing_days_are_the_weekdays_in_between() -> None:
    friday, tuesday = date(2026, 11, 20), date(2026, 11, 24)
    assert announcement_days_between(friday, tuesday) == [date(2026, 11, 23)]  # not the weekend
    assert announcement_days_between(friday, friday + timedelta(days=1)) == []
    assert announcement_days_between(date(2026, 11, 16), date(2026, 11, 19)) == [
        date(2026, 11, 17),
        date(2026, 11, 18),
    ]
