"""The configuration values the digest pipeline reads (from settings, via the composition root)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DigestConfig:
    """Look-back, retries, scheduling and delivery pacing of the daily digest (defaults live in Settings)."""

    lookback_days: int
    fetch_retry_minutes: int
    tick_seconds: float
    chat_retention_days: int
    ledger_retention_days: int
    delivery_concurrency: int
    chat_interval_seconds: float
    group_interval_seconds: float
    global_rate: float
    claim_idle_seconds: float
