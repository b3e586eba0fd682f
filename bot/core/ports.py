"""What the domain needs from storage and from each other, as protocols: the layers below `handlers` and
`scheduler` (arXiv access, summaries, cards, store) never import one another; the composition root
(bot.app) plugs the store's implementations into these ports.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from bot.core.fulltext import FullTextResult
from bot.core.models import Paper, Summary

Compute = Callable[[], Awaitable[tuple[str, int]]]
"""Produces (value, ttl_seconds) for a cache miss."""


class Cache(Protocol):
    """A shared string cache whose concurrent misses of one key share one computation."""

    async def get_many(self, keys: Sequence[str]) -> list[str | None]:
        """Cached values for many keys (None where missing)."""
        ...

    async def put_many(self, values: dict[str, str], ttl: int) -> None:
        """Store many values with one time to live."""
        ...

    async def get_or_compute(self, key: str, compute: Compute) -> str:
        """The cached value, or `compute`'s, computed once among all concurrent callers."""
        ...


class TokenBudget(Protocol):
    """A daily allowance of language-model tokens shared by every process."""

    async def exhausted(self) -> bool:
        """True once today's tokens reached the limit."""
        ...

    async def spend(self, tokens: int) -> int:
        """Record tokens used; returns the day's total so far (every process's)."""
        ...

    async def remaining(self) -> int | None:
        """Tokens left today (None: no limit)."""
        ...


class FullTextSource(Protocol):
    """Papers' full texts (arXiv's HTML versions), fetched once per version."""

    async def get(self, paper: Paper) -> FullTextResult:
        """The full text of the paper's current version, or Absent with the reason."""
        ...


class PaperSource(Protocol):
    """Paper metadata by canonical id."""

    async def get(self, arxiv_id: str) -> Paper:
        """The paper; raises bot.arxiv.client.ArxivError subclasses."""
        ...

    async def get_many(self, arxiv_ids: Sequence[str]) -> list[Paper]:
        """Papers in the given order, cached ones first, the others 100 an arXiv request."""
        ...


class SummarySource(Protocol):
    """Summaries, each written once per paper and language."""

    async def get(self, paper: Paper, language: str) -> Summary:
        """The paper's summary in `language` (never raises for a model failure)."""
        ...
