"""An httpx transport that fails some requests before they are sent, as a dropped connection would.

The failure happens on the client side of the wire by nature (nothing reaches the server), so it is
injected there: the real transport underneath still carries every other request to the fake.
"""

from __future__ import annotations

import random

import httpx


class FlakyTransport(httpx.AsyncBaseTransport):
    """Raises httpx.ConnectError for a fraction of sendMessage requests, before sending them."""

    def __init__(self, rate: float, seed: int = 99) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._rate = rate
        self._rng = random.Random(seed)
        self.injected = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Fail before sending, or pass the request on."""
        if request.url.path.endswith("/sendMessage") and self._rng.random() < self._rate:
            self.injected += 1
            raise httpx.ConnectError(
                "injected: connection reset before the request was sent", request=request
            )
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the real transport."""
        await self._inner.aclose()
