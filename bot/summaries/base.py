"""The contract every summarizer meets."""

from __future__ import annotations

from typing import Protocol

from bot.core.models import Paper, Summary


class Summarizer(Protocol):
    """Writes a Summary of a paper in a language; never raises for a paper it was given."""

    @property
    def model(self) -> str:
        """Name recorded on every card this summarizer writes (part of the cache key)."""
        ...

    @property
    def prompt_version(self) -> str:
        """Bumped whenever the output would change for the same input (part of the cache key)."""
        ...

    async def summarize(self, paper: Paper, language: str) -> Summary:
        """Summarize `paper` in `language` (ISO 639-1)."""
        ...
