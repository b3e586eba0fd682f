"""A connector that fails some requests before they are sent, as a dropped connection would.

The failure happens on the client side of the wire by nature (nothing reaches the server), so it is
injected there: the real connector underneath still carries every other request to the fake.
"""

from __future__ import annotations

import random
from typing import Any

import aiohttp


class FlakyConnector(aiohttp.TCPConnector):
    """Refuses a fraction of sendMessage connections with ECONNRESET, before anything is written."""

    def __init__(self, rate: float, seed: int = 99) -> None:
        super().__init__(limit=64)
        self._rate = rate
        self._rng = random.Random(seed)
        self.injected = 0

    async def connect(self, req: aiohttp.ClientRequest, *args: Any, **kwargs: Any) -> Any:
        """Fail before sending, or connect as usual."""
        if req.url.path.endswith("/sendMessage") and self._rng.random() < self._rate:
            self.injected += 1
            raise aiohttp.ClientConnectorError(
                req.connection_key, ConnectionResetError(104, "injected reset")
            )
        return await super().connect(req, *args, **kwargs)
