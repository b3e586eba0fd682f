"""A clock the test moves by hand."""

from __future__ import annotations


class Clock:
    """Unix time that only changes when a test advances it; call it like time.time."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds
