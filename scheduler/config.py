"""The configuration values the digest pipeline reads (from settings, via the composition root)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.models import Platform


@dataclass(frozen=True, slots=True)
class Pacing:
    """How fast one platform lets a bot post: a gap per chat, an extra gap per group, messages/s overall."""

    chat_interval_seconds: float = 0.0
    group_interval_seconds: float = 0.0
    global_rate: float = 0.0  # 0: no global pacing


@dataclass(frozen=True, slots=True)
class DigestConfig:
    """Look-back, retries, scheduling and delivery pacing of the daily digest (defaults live in Settings)."""

    lookback_days: int
    fetch_retry_minutes: int
    tick_seconds: float
    chat_retention_days: int
    ledger_retention_days: int
    delivery_concurrency: int
    claim_idle_seconds: float
    pacing: Mapping[Platform, Pacing] = field(default_factory=dict)

    def pacing_of(self, platform: Platform) -> Pacing:
        """The pacing of a platform (none for a platform without configured limits)."""
        return self.pacing.get(platform, Pacing())
