"""A chat's feedback: seed papers (/like, /dislike) and members' votes on digest cards (👍/👎).

Both are the chat's data, deleted with it. A vote is one per member and paper, changed or withdrawn by
pressing again; the tally per paper is kept beside the votes in the same atomic step (Lua). All keys
carry the chat's hash tag, like its ledger.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from redis.asyncio import Redis

from bot.core.models import ChatRef
from bot.store.keys import Keys

Polarity = Literal[1, -1]
HALF_LIFE_DAYS = 30.0  # feedback a month old counts half
MAX_SEEDS = 50

# KEYS = votes, tally; ARGV = paper, user, value (1 or -1), at. Pressing the same again withdraws the vote.
_VOTE = """
local field = ARGV[1] .. '|' .. ARGV[2]
local previous = redis.call('HGET', KEYS[1], field)
local before = previous and tonumber(string.match(previous, '^(-?%d+)')) or 0
local wanted = tonumber(ARGV[3])
local now = wanted
if before == wanted then now = 0 end
if now == 0 then redis.call('HDEL', KEYS[1], field)
else redis.call('HSET', KEYS[1], field, now .. '|' .. ARGV[4]) end
local tally = redis.call('HGET', KEYS[2], ARGV[1])
local up, down = 0, 0
if tally then
  local u, d = string.match(tally, '^(%d+)|(%d+)')
  up, down = tonumber(u), tonumber(d)
end
if before == 1 then up = up - 1 elseif before == -1 then down = down - 1 end
if now == 1 then up = up + 1 elseif now == -1 then down = down + 1 end
if up == 0 and down == 0 then redis.call('HDEL', KEYS[2], ARGV[1])
else redis.call('HSET', KEYS[2], ARGV[1], up .. '|' .. down .. '|' .. ARGV[4]) end
return {up, down, now}
"""


@dataclass(frozen=True, slots=True)
class Tally:
    """Votes on one paper in one chat, and what the member who just voted now says (1, -1 or 0)."""

    up: int
    down: int
    mine: int = 0


@dataclass(frozen=True, slots=True)
class Seed:
    """A paper a chat said it likes (1) or does not (-1), and when."""

    paper_id: str
    polarity: Polarity
    at: float


@dataclass(frozen=True, slots=True)
class Preference:
    """A paper in a chat's profile with its weight: > 0 more like it, < 0 less; decayed by age."""

    paper_id: str
    weight: float


def decay(age_seconds: float) -> float:
    """How much feedback of this age still counts (1 when new, halving every HALF_LIFE_DAYS)."""
    return float(0.5 ** (max(0.0, age_seconds) / (HALF_LIFE_DAYS * 86400)))


class Feedback:
    """Seed papers and votes of chats."""

    def __init__(self, redis: Redis, keys: Keys, clock: Callable[[], float] = time.time) -> None:
        self._redis = redis
        self._keys = keys
        self._clock = clock
        self._vote = redis.register_script(_VOTE)

    # ----- seeds ---------------------------------------------------------------------------------
    async def add_seeds(self, chat: ChatRef, papers: Sequence[str], polarity: Polarity) -> None:
        """Like (1) or dislike (-1) papers; a paper liked before and now disliked changes side."""
        now = self._clock()
        await self._redis.hset(
            self._keys.seeds(chat),
            mapping=dict.fromkeys(papers, f"{polarity}|{now}"),
        )

    async def remove_seed(self, chat: ChatRef, paper: str) -> bool:
        """Forget a seed paper; False if it was not one."""
        return bool(await self._redis.hdel(self._keys.seeds(chat), paper))

    async def seeds(self, chat: ChatRef) -> list[Seed]:
        """The chat's seed papers, oldest first."""
        raw = await self._redis.hgetall(self._keys.seeds(chat))
        found = []
        for paper, value in raw.items():
            polarity, _, at = str(value).partition("|")
            found.append(Seed(str(paper), 1 if polarity == "1" else -1, float(at or 0)))
        return sorted(found, key=lambda s: (s.at, s.paper_id))

    # ----- votes ---------------------------------------------------------------------------------
    async def vote(self, chat: ChatRef, paper: str, user: str, polarity: Polarity) -> Tally:
        """A member's 👍 (1) or 👎 (-1) on a paper; the same press again withdraws it."""
        keys = [self._keys.votes(chat), self._keys.tally(chat)]
        up, down, mine = await self._vote(keys=keys, args=[paper, user, polarity, self._clock()])
        return Tally(int(up), int(down), int(mine))

    async def tallies(self, chat: ChatRef, papers: Sequence[str]) -> dict[str, Tally]:
        """The votes on some papers (zero for papers without votes)."""
        if not papers:
            return {}
        raw = await self._redis.hmget(self._keys.tally(chat), list(papers))
        found = {}
        for paper, value in zip(papers, raw, strict=True):
            up, down, _ = [*str(value).split("|"), "0", "0", "0"][:3] if value else ("0", "0", "0")
            found[paper] = Tally(int(up), int(down))
        return found

    # ----- the profile ---------------------------------------------------------------------------
    async def preferences(self, chats: Sequence[ChatRef]) -> list[list[Preference]]:
        """Each chat's profile (seeds and net votes, decayed), read for many chats in one round trip."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for chat in chats:
                pipe.hgetall(self._keys.seeds(chat))
                pipe.hgetall(self._keys.tally(chat))
            replies = await pipe.execute()
        now = self._clock()
        profiles = []
        for index in range(len(chats)):
            seeds, tally = replies[2 * index], replies[2 * index + 1]
            weights: dict[str, float] = {}
            for paper, value in tally.items():
                up, down, at = [*str(value).split("|"), "0"][:3]
                net = int(up) - int(down)
                if net:  # the chat's net verdict on the paper, however many members voted
                    weights[str(paper)] = math.copysign(1.0, net) * decay(now - float(at))
            for paper, value in seeds.items():  # what a chat said explicitly outweighs its votes
                polarity, _, at = str(value).partition("|")
                weights[str(paper)] = (1.0 if polarity == "1" else -1.0) * decay(now - float(at or now))
            profiles.append([Preference(p, w) for p, w in sorted(weights.items()) if abs(w) > 1e-3])
        return profiles

    async def forget(self, chat: ChatRef) -> None:
        """Delete the chat's feedback (with the chat, after CHAT_RETENTION_DAYS)."""
        await self._redis.delete(self._keys.seeds(chat), self._keys.votes(chat), self._keys.tally(chat))
