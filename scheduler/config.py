"""The configuration values the digest pipeline reads (from settings, via the composition root)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DigestConfig:
    """Look-back, retries, scheduling and delivery pacing of the daily digest."""

    lookback_days: int = 7
    fetch_retry_minutes: int = 15
    tick_seconds: float = 30.0
    chat_retention_days: int = 30
    ledger_retention_days: int = 60
    delivery_concurrency: int = 32
    chat_interval_seconds: float = 1.0
    group_interval_seconds: float = 3.0
    global_rate: float = 25.0
    claim_idle_seconds: float = 60.0
