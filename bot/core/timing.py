"""When a chat's digest is due: pure functions of now, the chat's time and its time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.core.chat_settings import tzinfo_for


def _wall_clock(hhmm: str) -> time:
    hours, minutes = hhmm.split(":")
    return time(int(hours), int(minutes))


def local_date(now: datetime, zone: str) -> date:
    """The chat's calendar date at `now` (an aware datetime)."""
    return now.astimezone(tzinfo_for(zone)).date()


def scheduled_at(day: date, hhmm: str, zone: str) -> datetime:
    """The instant of `hhmm` on `day` in `zone`, as an aware UTC datetime.

    A wall-clock time skipped by a DST jump (02:30 on a spring-forward night) means the first instant
    after the gap; a repeated one (autumn) means its first occurrence.
    """
    tz = tzinfo_for(zone)
    naive = datetime.combine(day, _wall_clock(hhmm))
    aware = naive.replace(tzinfo=tz)  # fold=0: the first occurrence of a repeated time
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        return _gap_end(naive, tz)  # a non-existent time does not survive the round trip
    return aware.astimezone(UTC)


def _gap_end(naive: datetime, tz: tzinfo) -> datetime:
    """The first real instant at or after a wall-clock time that a DST gap skipped."""
    probe = naive
    for _ in range(4 * 60):  # gaps are at most a few hours; step in minutes
        probe += timedelta(minutes=1)
        candidate = probe.replace(tzinfo=tz)
        if candidate.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == probe:
            return candidate.astimezone(UTC)
    return naive.replace(tzinfo=tz).astimezone(UTC)


def is_due(now: datetime, hhmm: str, zone: str, last_round_day: date | None) -> bool:
    """True when today's (local) digest time has passed and today's round has not been done.

    A process that was down at the chat's time therefore delivers late the same day, never twice.
    """
    today = local_date(now, zone)
    if last_round_day is not None and last_round_day >= today:
        return False
    return now >= scheduled_at(today, hhmm, zone)


def next_run(now: datetime, hhmm: str, zone: str) -> datetime:
    """The next instant (strictly after `now`) at which the chat's digest time comes round."""
    day = local_date(now, zone)
    for offset in range(3):
        at = scheduled_at(day + timedelta(days=offset), hhmm, zone)
        if at > now:
            return at
    raise AssertionError("unreachable: a wall-clock time recurs within three days")


ARXIV_ZONE = "America/New_York"
"""arXiv's clock: its listings and feeds change at midnight Eastern time."""


def announcement_boundary(now: datetime) -> datetime:
    """The most recent instant (≤ `now`) at which arXiv's feeds change: 00:00 Eastern, every day.

    arXiv announces on weekday evenings and rebuilds its feeds at midnight Eastern (empty on weekends and
    holidays); whatever was fetched before this instant may be yesterday's listing.
    """
    return scheduled_at(local_date(now, ARXIV_ZONE), "00:00", ARXIV_ZONE)


def announcement_date(now: datetime) -> date:
    """The date of the listing arXiv's feeds show at `now` once rebuilt (the Eastern calendar date)."""
    return local_date(now, ARXIV_ZONE)


def announcement_days_between(after: date, before: date) -> list[date]:
    """Weekdays strictly between two listing dates: the days whose listings a gap may have missed."""
    days = []
    day = after + timedelta(days=1)
    while day < before:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def eastern_midnight(day: date) -> datetime:
    """00:00 Eastern on `day`, as an aware UTC datetime."""
    return scheduled_at(day, "00:00", ARXIV_ZONE)
