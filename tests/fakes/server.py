"""Serving a fake on a free 127.0.0.1 port, shutting down quickly even with requests left hanging."""

from __future__ import annotations

import asyncio

from aiohttp import web


class LocalServer:
    """An aiohttp application bound to 127.0.0.1 on a free port."""

    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self.port = 0

    def routes(self, app: web.Application) -> None:
        """Add the fake's routes (overridden by each fake)."""
        raise NotImplementedError

    async def start(self) -> None:
        """Bind and serve."""
        app = web.Application()
        self.routes(app)
        # Fakes hang requests on purpose; do not wait the default minute for them at shutdown.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)
        self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
