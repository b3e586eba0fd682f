"""Run a fake in its own process (for benchmarks): `python -m tests.fakes.serve telegram`.

Prints the port on stdout, serves until SIGTERM; GET /_fake/stats returns counters as JSON.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from tests.fakes.telegram_api import FakeTelegram


async def main() -> None:
    """Serve the fake Telegram Bot API until SIGTERM."""
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with FakeTelegram(auto_chats=True) as fake:
        print(fake.port, flush=True)
        await stop.wait()


if __name__ == "__main__":
    if sys.argv[1:] != ["telegram"]:
        raise SystemExit("usage: python -m tests.fakes.serve telegram")
    asyncio.run(main())
