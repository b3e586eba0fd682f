"""Run a fake in its own process (benchmarks): `python -m tests.fakes.serve telegram|discord [--unlimited]`.

Prints the port on stdout, serves until SIGTERM; GET /_fake/stats returns counters as JSON. Any chat or
channel id exists. `--unlimited` lifts the fake Discord's rate limits (to measure the bot's own overhead).
"""

from __future__ import annotations

import asyncio
import signal
import sys

from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram


async def main(name: str, *, unlimited: bool) -> None:
    """Serve one fake until SIGTERM."""
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    if name == "telegram":
        async with FakeTelegram(auto_chats=True) as telegram:
            print(telegram.port, flush=True)
            await stop.wait()
        return
    discord = FakeDiscord(auto_channels=True)
    if unlimited:
        discord.channel_bucket, discord.global_limit = None, 10**9
    async with discord:
        print(discord.port, flush=True)
        await stop.wait()


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0] not in {"telegram", "discord"} or set(args[1:]) - {"--unlimited"}:
        raise SystemExit("usage: python -m tests.fakes.serve telegram|discord [--unlimited]")
    asyncio.run(main(args[0], unlimited="--unlimited" in args[1:]))
