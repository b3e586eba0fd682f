"""The announcement archive: for each subscribed category, which papers arXiv announced on which listing
day, kept for LOOKBACK_DAYS, and where each chat's digest has read up to.

Every paper archived for a category gets the next number of one shared sequence, in the same atomic step
that makes it visible. A chat's round reads "everything numbered after my cursor" together with the
sequence's current value, which becomes its new cursor: so a paper archived while a round reads is either
in that round or in the next one, never lost between them, whatever the processes' clocks say.
All keys share the `{archive}` hash tag (one Redis Cluster slot), so the scripts may touch several.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

from redis.asyncio import Redis

from bot.store.keys import Keys

Source = Literal["feed", "backfill"]

# KEYS = seq, papers (zset), dates (hash), categories (set); ARGV = category, "day|source", ids…
_RECORD = """
local added = 0
for i = 3, #ARGV do
  if redis.call('ZSCORE', KEYS[2], ARGV[i]) == false then
    local n = redis.call('INCR', KEYS[1])
    redis.call('ZADD', KEYS[2], n, ARGV[i])
    redis.call('HSET', KEYS[3], ARGV[i], ARGV[2])
    added = added + 1
  end
end
redis.call('SADD', KEYS[4], ARGV[1])
return added
"""

# KEYS = seq, papers of each category…; ARGV = cursor. Returns {current seq, {ids…} per category}.
_READ = """
local result = {tonumber(redis.call('GET', KEYS[1]) or '0')}
for i = 2, #KEYS do
  result[i] = redis.call('ZRANGEBYSCORE', KEYS[i], '(' .. ARGV[1], '+inf')
end
return result
"""


@dataclass(frozen=True, slots=True)
class PollState:
    """When a category's feed was last checked (by the checker's clock) and which listing day it showed;
    `wanted`: the listing day when a chat first needed it, if no poll has succeeded yet (to back-fill)."""

    checked: float = 0.0
    day: date | None = None
    wanted: date | None = None
    failed_at: float = 0.0  # the last failed poll (not retried for a few minutes, by any process)
    failure: str = ""


@dataclass(frozen=True, slots=True)
class DayRecord:
    """What the archive holds for one listing day of a category, and the v1 submission times it spans."""

    source: Source
    count: int
    first: float | None = None  # earliest v1 submission (Unix time) of the day's new papers
    last: float | None = None


@dataclass(frozen=True, slots=True)
class Gap:
    """Listing days a category's archive missed (downtime, a failed poll), to recover from the API."""

    after: date  # the last listing day archived before the gap
    before: date  # the first listing day archived after it
    days: tuple[date, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Read:
    """A chat's read of the archive: the new cursor, and per category the ids with their listing days."""

    cursor: int
    papers: dict[str, list[tuple[str, date]]]


def _day(text: str) -> date:
    return date.fromisoformat(text.split("|", 1)[0])


class Archive:
    """The archive's Redis data (documented in docs/data-model.md, "Announcement archive")."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._record = redis.register_script(_RECORD)
        self._read = redis.register_script(_READ)

    # ----- papers --------------------------------------------------------------------------------
    async def record(self, category: str, ids: Sequence[str], day: date, source: Source) -> int:
        """Archive papers announced in a category on a listing day; returns how many were new to it."""
        keys = self._keys
        return int(
            await self._record(
                keys=[
                    keys.archive_seq(),
                    keys.archive_papers(category),
                    keys.archive_dates(category),
                    keys.archive_categories(),
                ],
                args=[category, f"{day.isoformat()}|{source}", *ids],
            )
        )

    async def read(self, categories: Sequence[str], cursor: int | None, not_before: date) -> Read:
        """Papers archived after `cursor` (listing day ≥ `not_before`), and the cursor to keep.

        With no cursor yet (a new chat), each category's latest listing day is what is new.
        """
        keys = self._keys
        raw = await self._read(
            keys=[keys.archive_seq(), *(keys.archive_papers(c) for c in categories)], args=[cursor or 0]
        )
        current, lists = int(raw[0]), raw[1:]
        papers: dict[str, list[tuple[str, date]]] = {}
        for category, ids in zip(categories, lists, strict=True):
            found = [str(i) for i in ids]
            days = await self._redis.hmget(keys.archive_dates(category), found) if found else []
            dated = [(i, _day(str(d))) for i, d in zip(found, days, strict=True) if d is not None]
            dated = [(i, d) for i, d in dated if d >= not_before]
            if cursor is None and dated:
                latest = max(d for _i, d in dated)
                dated = [(i, d) for i, d in dated if d == latest]
            papers[category] = dated
        return Read(current, papers)

    async def cursor_now(self) -> int:
        """The sequence's current value: a cursor that skips everything archived so far."""
        return int(await self._redis.get(self._keys.archive_seq()) or 0)

    # ----- what was polled -----------------------------------------------------------------------
    async def poll_states(self, categories: Sequence[str]) -> dict[str, PollState]:
        """When each category was last checked, and the listing day it showed."""
        if not categories:
            return {}
        raw = await self._redis.hmget(self._keys.archive_polls(), list(categories))
        states = {}
        for category, value in zip(categories, raw, strict=True):
            if value is None:
                states[category] = PollState()
                continue
            data = json.loads(str(value))
            day = date.fromisoformat(data["day"]) if data.get("day") else None
            wanted = date.fromisoformat(data["wanted"]) if data.get("wanted") else None
            states[category] = PollState(
                float(data.get("checked", 0)),
                day,
                wanted,
                float(data.get("failed_at", 0)),
                str(data.get("failure", "")),
            )
        return states

    async def set_polled(self, states: dict[str, PollState]) -> None:
        """Remember when categories were checked and which listing day they showed."""
        if states:
            values = {
                c: json.dumps(
                    {
                        "checked": s.checked,
                        "day": s.day.isoformat() if s.day else None,
                        "wanted": s.wanted.isoformat() if s.wanted else None,
                        "failed_at": s.failed_at,
                        "failure": s.failure,
                    }
                )
                for c, s in states.items()
            }
            await self._redis.hset(self._keys.archive_polls(), mapping=values)  # type: ignore[arg-type]

    async def validators(self, url: str) -> dict[str, str | None]:
        """The ETag and Last-Modified of a feed URL's last full answer (empty if none)."""
        raw = await self._redis.hget(self._keys.archive_validators(), url)
        return json.loads(str(raw)) if raw else {}

    async def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Remember a feed URL's validators for the next conditional request."""
        value = json.dumps({"etag": etag, "last_modified": last_modified})
        await self._redis.hset(self._keys.archive_validators(), url, value)

    # ----- listing days and gaps -----------------------------------------------------------------
    async def set_day(self, category: str, day: date, record: DayRecord) -> None:
        """What a listing day of a category holds (feed or back-filled)."""
        await self._redis.hset(self._keys.archive_days(category), day.isoformat(), json.dumps(asdict(record)))

    async def days(self, category: str) -> dict[date, DayRecord]:
        """Every listing day archived for a category."""
        raw = await self._redis.hgetall(self._keys.archive_days(category))
        return {date.fromisoformat(str(d)): DayRecord(**json.loads(str(v))) for d, v in raw.items()}

    async def add_gap(self, category: str, gap: Gap) -> None:
        """Remember listing days to back-fill (kept until they are)."""
        value = {
            "after": gap.after.isoformat(),
            "before": gap.before.isoformat(),
            "days": [d.isoformat() for d in gap.days],
        }
        await self._redis.hset(self._keys.archive_gaps(), category, json.dumps(value))

    async def gaps(self) -> dict[str, Gap]:
        """Every category's gap still to back-fill."""
        raw = await self._redis.hgetall(self._keys.archive_gaps())
        found = {}
        for category, value in raw.items():
            data: dict[str, Any] = json.loads(str(value))
            days = tuple(date.fromisoformat(d) for d in data["days"])
            found[str(category)] = Gap(
                date.fromisoformat(data["after"]), date.fromisoformat(data["before"]), days
            )
        return found

    async def clear_gap(self, category: str) -> None:
        """A gap was back-filled (or fell out of the look-back window)."""
        await self._redis.hdel(self._keys.archive_gaps(), category)

    # ----- one poller at a time ------------------------------------------------------------------
    async def lock(self, seconds: int) -> str | None:
        """Take the polling lock (one poll across all processes); the token, or None if someone has it."""
        token = secrets.token_hex(8)
        taken = await self._redis.set(self._keys.archive_lock(), token, nx=True, ex=seconds)
        return token if taken else None

    async def unlock(self, token: str) -> None:
        """Release the polling lock if it is still ours."""
        key = self._keys.archive_lock()
        if await self._redis.get(key) == token:
            await self._redis.delete(key)

    async def locked(self) -> bool:
        """Whether some process is polling right now."""
        return bool(await self._redis.exists(self._keys.archive_lock()))

    # ----- housekeeping --------------------------------------------------------------------------
    async def prune(self, older_than: date) -> int:
        """Forget papers and listing days before `older_than` (past LOOKBACK_DAYS); returns papers dropped."""
        keys = self._keys
        dropped = 0
        for category in sorted(str(c) for c in await self._redis.smembers(keys.archive_categories())):
            dates = await self._redis.hgetall(keys.archive_dates(category))
            old = [str(i) for i, d in dates.items() if _day(str(d)) < older_than]
            days = await self._redis.hkeys(keys.archive_days(category))
            old_days = [str(d) for d in days if date.fromisoformat(str(d)) < older_than]
            async with self._redis.pipeline(transaction=True) as pipe:
                if old:
                    pipe.zrem(keys.archive_papers(category), *old)
                    pipe.hdel(keys.archive_dates(category), *old)
                if old_days:
                    pipe.hdel(keys.archive_days(category), *old_days)
                if len(old) == len(dates) and len(old_days) == len(days):
                    pipe.srem(keys.archive_categories(), category)
                await pipe.execute()
            dropped += len(old)
        return dropped
