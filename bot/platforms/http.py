"""What every REST messenger shares: one pooled JSON session, transport failures as outcomes, parts in order.

A failure before any byte left is safe to retry; no answer after sending is `Uncertain` (never resent
blindly); a message sent in several parts is `Uncertain` when a later part fails, since earlier parts
already reached the chat.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp

from bot.core.delivery import Outcome, Retry, Sent, Uncertain

# Errors raised before a single byte of the request left: resending cannot duplicate anything.
NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)

Part = TypeVar("Part")


@dataclass(frozen=True, slots=True)
class Answer:
    """A readable JSON answer from the platform, with its rate-limit headers (names in lower case)."""

    status: int
    body: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def retry_after(self) -> str | None:
        """The Retry-After header, when there is one."""
        return self.headers.get("retry-after")


def _rate_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Retry-After and X-RateLimit-* headers: what a sender needs to pace itself."""
    return {
        name.lower(): value
        for name, value in headers.items()
        if name.lower() == "retry-after" or name.lower().startswith("x-ratelimit-")
    }


class JsonSession:
    """One pooled aiohttp session posting JSON, created on first use (it belongs to that event loop)."""

    def __init__(
        self,
        timeout: float,
        pool_size: int = 64,
        connector: Callable[[], aiohttp.BaseConnector] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=timeout)
        self._pool_size = pool_size
        self._connector = connector
        self._headers = headers or {}
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = self._connector() if self._connector else aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self._timeout, headers=self._headers
            )
        return self._session

    async def post(
        self, url: str, payload: dict[str, Any], accepted: Iterable[int] = (200,)
    ) -> Answer | Outcome:
        """POST `payload`; a readable answer, or the outcome of a transport failure or unreadable answer."""
        try:
            async with self._client().post(url, json=payload) as response:
                status, raw = response.status, await response.read()
                headers = _rate_headers(response.headers)
        except NOT_SENT as exc:
            return Retry(after=1.0, reason=f"connection failed before sending ({type(exc).__name__})")
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Uncertain(f"no answer after sending ({type(exc).__name__})")
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if status in set(accepted):
                return Uncertain("an unreadable answer to an accepted request")
            return Retry(after=2.0, reason=f"the platform answered HTTP {status}")
        return Answer(status, body, headers)

    async def aclose(self) -> None:
        """Close the session."""
        if self._session is not None:
            await self._session.close()
            self._session = None


PART_RETRIES = 5  # a later part refused with "wait" (429, 5xx) is sent again up to this many times
PART_WAIT_SECONDS = 120.0  # ... as long as the waits add up to no more than this


async def send_in_order(
    parts: Iterable[Part],
    send: Callable[[Part], Awaitable[Outcome]],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Outcome:
    """Send parts one after another; `Sent` with the first part's id (and the last part's pause), or why
    the rest was not sent.

    A first part that is not sent is the caller's to retry (nothing went out). A later part answered
    with `Retry` (a 429's retry_after, a 5xx) was certainly not sent: it is waited for and sent again here,
    because the earlier parts cannot be taken back; only when that keeps failing is the message
    `Uncertain` (part of it out, part not).
    """
    first: str | None = None
    pause = 0.0
    for part in parts:
        outcome = await send(part)
        waited, attempts = 0.0, 0
        while (
            first is not None
            and isinstance(outcome, Retry)
            and attempts < PART_RETRIES
            and waited + outcome.after <= PART_WAIT_SECONDS
        ):
            await sleep(outcome.after)
            waited, attempts = waited + outcome.after, attempts + 1
            outcome = await send(part)
        if not isinstance(outcome, Sent):
            if first is not None and not isinstance(outcome, Uncertain):
                return Uncertain(f"only part of the message was sent ({outcome})")
            return outcome
        first, pause = first or outcome.message_id, outcome.pause
    return Sent(first or "", pause)
