"""The delivery ledger: one entry per (chat, paper), moving planned → inflight → sent | failed | uncertain.

An entry, once written, is never removed by delivery, so a chat never gets the same paper twice; every
entry ends in a final state with a reason, so no paper is silently dropped. Each chat's ledger is one
hash under the chat's own hash tag, and every transition is one Lua call (atomic, Cluster-safe).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from redis.asyncio import Redis

from bot.core.delivery import Mode
from bot.core.models import ChatRef
from bot.store.keys import Keys

State = Literal["planned", "inflight", "sent", "failed", "uncertain"]
FINAL_STATES = frozenset({"sent", "failed", "uncertain"})
STALE_PLAN_SECONDS = 900.0  # a paper planned this long ago and never claimed lost its planner
_SEP = "|"

# KEYS[1] = ledger; ARGV = round, now, stale_before, then mode/paper pairs. Plans papers the chat has
# never seen, and adopts papers still planned in this same round or planned long ago (their planner died
# before queueing them). Queueing a paper twice is harmless: only one delivery can claim it.
_PLAN = """
local planned = {}
for i = 4, #ARGV, 2 do
  local mode, paper = ARGV[i], ARGV[i + 1]
  local raw = redis.call('HGET', KEYS[1], paper)
  local adopt = false
  if raw and string.sub(raw, 1, 8) == 'planned|' then
    local at = tonumber(string.match(raw, '^planned|[^|]*|[^|]*|[^|]*|([^|]*)|')) or 0
    adopt = string.find(raw, '|' .. ARGV[1] .. '|', 1, true) ~= nil or at < tonumber(ARGV[3])
  end
  if not raw or adopt then
    redis.call('HSET', KEYS[1], paper, 'planned|' .. mode .. '|' .. ARGV[1] .. '||' .. ARGV[2] .. '||')
    table.insert(planned, paper)
  end
end
return planned
"""

# KEYS[1] = ledger; ARGV = entry id, now, papers. planned → inflight; papers already inflight under this
# same entry were being sent when a worker died: they come back as "ambiguous".
_CLAIM = """
local claimed, ambiguous = {}, {}
for i = 3, #ARGV do
  local raw = redis.call('HGET', KEYS[1], ARGV[i])
  if raw then
    local state, mode, round = string.match(raw, '^([^|]*)|([^|]*)|([^|]*)|')
    if state == 'planned' then
      local value = 'inflight|' .. mode .. '|' .. round .. '|' .. ARGV[1] .. '|' .. ARGV[2] .. '||'
      redis.call('HSET', KEYS[1], ARGV[i], value)
      table.insert(claimed, ARGV[i])
    elseif state == 'inflight' and string.find(raw, '|' .. ARGV[1] .. '|', 1, true) then
      table.insert(ambiguous, ARGV[i])
    end
  end
end
return {claimed, ambiguous}
"""

# KEYS[1] = ledger; ARGV = new state, now, message id, reason, then papers. Only non-final entries move.
_FINISH = """
local n = 0
for i = 5, #ARGV do
  local raw = redis.call('HGET', KEYS[1], ARGV[i])
  if raw then
    local state, mode, round, entry = string.match(raw, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|')
    if state == 'planned' or state == 'inflight' then
      local head = ARGV[1] .. '|' .. mode .. '|' .. round .. '|' .. entry
      redis.call('HSET', KEYS[1], ARGV[i], head .. '|' .. ARGV[2] .. '|' .. ARGV[3] .. '|' .. ARGV[4])
      n = n + 1
    end
  end
end
return n
"""


@dataclass(frozen=True, slots=True)
class Entry:
    """One (chat, paper) ledger entry."""

    state: State
    mode: Mode
    round: str
    delivery: str
    at: float
    message_id: str
    reason: str

    @classmethod
    def parse(cls, raw: str) -> Entry:
        """Decode the stored form `state|mode|round|delivery|at|message_id|reason`."""
        state, mode, round_id, delivery, at, message_id, reason = raw.split(_SEP, 6)
        return cls(state, mode, round_id, delivery, float(at or 0), message_id, reason)  # type: ignore[arg-type]


class Ledger:
    """Ledger operations on Redis."""

    def __init__(self, redis: Redis, keys: Keys, clock: Callable[[], float] = time.time) -> None:
        self._redis = redis
        self._keys = keys
        self._clock = clock
        self._plan = redis.register_script(_PLAN)
        self._claim = redis.register_script(_CLAIM)
        self._finish = redis.register_script(_FINISH)

    def key(self, chat: ChatRef) -> str:
        """The chat's ledger hash."""
        return self._keys.ledger(chat)

    async def plan(
        self,
        chat: ChatRef,
        round_id: str,
        items: Sequence[tuple[str, Mode]],
        stale_after: float = STALE_PLAN_SECONDS,
    ) -> list[str]:
        """Record papers as planned in a round; returns those planned now (never ones already handled).

        Papers left `planned` for over `stale_after` seconds by another round are adopted too.
        """
        if not items:
            return []
        now = self._clock()
        args: list[str | float] = [round_id, now, now - stale_after]
        for paper, mode in items:
            args += [mode, paper]
        return [str(p) for p in await self._plan(keys=[self.key(chat)], args=args)]

    async def claim(self, chat: ChatRef, delivery: str, papers: Sequence[str]) -> tuple[list[str], list[str]]:
        """Move planned papers to inflight for one delivery; returns (claimed, ambiguous)."""
        claimed, ambiguous = await self._claim(keys=[self.key(chat)], args=[delivery, self._clock(), *papers])
        return [str(p) for p in claimed], [str(p) for p in ambiguous]

    async def finish(
        self, chat: ChatRef, papers: Sequence[str], state: State, *, message_id: str = "", reason: str = ""
    ) -> int:
        """Move papers to a final state (or back to planned); returns how many moved."""
        if not papers:
            return 0
        clean_reason = reason.replace(_SEP, "/")[:200]
        args = [state, self._clock(), message_id, clean_reason, *papers]
        return int(await self._finish(keys=[self.key(chat)], args=args))

    async def entry(self, chat: ChatRef, paper: str) -> Entry | None:
        """One paper's entry for the chat, if the chat was ever planned it."""
        value = await self._redis.hget(self.key(chat), paper)
        return Entry.parse(str(value)) if value is not None else None

    async def entries(self, chat: ChatRef) -> dict[str, Entry]:
        """Every entry of a chat's ledger."""
        raw = await self._redis.hgetall(self.key(chat))
        return {str(paper): Entry.parse(str(value)) for paper, value in raw.items()}

    async def known(
        self,
        chat: ChatRef,
        papers: Sequence[str],
        round_id: str = "",
        stale_after: float = STALE_PLAN_SECONDS,
    ) -> set[str]:
        """Papers the chat has or will get: every entry except those `plan` would adopt in `round_id`."""
        if not papers:
            return set()
        values = await self._redis.hmget(self.key(chat), list(papers))
        cutoff = self._clock() - stale_after
        known = set()
        for paper, value in zip(papers, values, strict=True):
            if value is None:
                continue
            entry = Entry.parse(str(value))
            adoptable = entry.state == "planned" and (entry.round == round_id or entry.at < cutoff)
            if not adoptable:
                known.add(paper)
        return known

    async def on_the_way(self, chat: ChatRef, stale_after: float = STALE_PLAN_SECONDS) -> int:
        """How many papers are planned or being sent to the chat right now (not those a dead planner left)."""
        cutoff = self._clock() - stale_after
        count = 0
        async for _paper, raw in self._redis.hscan_iter(self.key(chat), count=500):
            entry = Entry.parse(str(raw))
            if entry.state == "inflight" or (entry.state == "planned" and entry.at >= cutoff):
                count += 1
        return count

    async def prune(self, chat: ChatRef, older_than: float) -> int:
        """Forget final entries older than `older_than` seconds (no source offers such papers again)."""
        cutoff = self._clock() - older_than
        stale = []
        async for paper, raw in self._redis.hscan_iter(self.key(chat), count=500):
            entry = Entry.parse(str(raw))
            if entry.state in FINAL_STATES and entry.at < cutoff:
                stale.append(str(paper))
        for start in range(0, len(stale), 500):
            await self._redis.hdel(self.key(chat), *stale[start : start + 500])
        return len(stale)

    async def move(self, old: ChatRef, new: ChatRef) -> None:
        """Carry a migrated chat's ledger to its new id (entries the new id already has win)."""
        raw = await self._redis.hgetall(self.key(old))
        if raw:
            async with self._redis.pipeline(transaction=False) as pipe:
                for paper, value in raw.items():
                    pipe.hsetnx(self.key(new), paper, value)
                await pipe.execute()
        await self._redis.delete(self.key(old))
