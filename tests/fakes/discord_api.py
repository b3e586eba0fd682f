"""A strict local fake of Discord's REST API for posting messages, driven by the bot's Discord messenger.

It validates what Discord validates for `POST /channels/{id}/messages` (the bot token, known channels,
content ≤ 2,000, at most 10 embeds, each embed's field limits and 6,000 characters across a message's
embeds, a non-empty message) and injects Discord's failures: 429 with `retry_after`, 403 Missing
Permissions (50013), 404 Unknown Channel (10003), archived threads (50083) and 500.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.server import LocalServer

LIMITS = {
    "title": 256,
    "description": 4096,
    "footer": 2048,
    "author": 256,
    "field_name": 256,
    "field_value": 1024,
}


class DiscordError(Exception):
    """An error answer: HTTP status, Discord's JSON error code and message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Posted:
    """A message Discord accepted."""

    id: str
    channel_id: int
    body: dict[str, Any]


def embed_total(embed: dict[str, Any]) -> int:
    """Characters Discord counts towards the 6,000 limit of a message's embeds."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len((embed.get("footer") or {}).get("text", "")) + len(
        (embed.get("author") or {}).get("name", "")
    )
    return total + sum(len(f.get("name", "")) + len(f.get("value", "")) for f in embed.get("fields", []))


def check_embed(embed: dict[str, Any]) -> None:
    """Discord's per-embed limits."""
    sizes = {
        "title": len(embed.get("title", "")),
        "description": len(embed.get("description", "")),
        "footer": len((embed.get("footer") or {}).get("text", "")),
        "author": len((embed.get("author") or {}).get("name", "")),
    }
    for name, size in sizes.items():
        if size > LIMITS[name]:
            raise DiscordError(
                400, 50035, f"Invalid Form Body: embeds.{name} must be {LIMITS[name]} or fewer"
            )
    fields = embed.get("fields", [])
    if len(fields) > 25:
        raise DiscordError(400, 50035, "Invalid Form Body: embeds.fields must be 25 or fewer")
    for item in fields:
        name, value = item.get("name", ""), item.get("value", "")
        if not name or not value:
            raise DiscordError(400, 50035, "Invalid Form Body: embeds.fields need a name and a value")
        if len(name) > LIMITS["field_name"] or len(value) > LIMITS["field_value"]:
            raise DiscordError(400, 50035, "Invalid Form Body: embeds.fields too long")


@dataclass
class FakeDiscord(LocalServer):
    """Channels are ids; `refusing` maps a channel to the error code it answers with."""

    token: str = "fake-discord-token.abc.def"
    channels: set[int] = field(default_factory=set)
    refusing: dict[int, int] = field(default_factory=dict)
    posted: list[Posted] = field(default_factory=list)
    rate_limit_next: int = 0
    retry_after: float = 0.05
    fail_next_5xx: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(10**17))

    def __post_init__(self) -> None:
        LocalServer.__init__(self)

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        """The REST base, as DISCORD_API_URL takes it."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    def routes(self, app: web.Application) -> None:
        """POST /api/v10/channels/{id}/messages."""
        app.router.add_post("/api/v10/channels/{channel_id}/messages", self._post_message)

    async def _post_message(self, request: web.Request) -> web.Response:
        try:
            if request.headers.get("Authorization") != f"Bot {self.token}":
                raise DiscordError(401, 0, "401: Unauthorized")
            if self.rate_limit_next > 0:
                self.rate_limit_next -= 1
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": self.retry_after,
                    "global": False,
                }
                return web.json_response(body, status=429, headers={"Retry-After": "1"})
            if self.fail_next_5xx > 0:
                self.fail_next_5xx -= 1
                raise DiscordError(500, 0, "500: Internal Server Error")
            channel_id = int(request.match_info["channel_id"])
            if channel_id in self.refusing:
                code = self.refusing[channel_id]
                status = 404 if code == 10003 else 400 if code == 50083 else 403
                raise DiscordError(
                    status,
                    code,
                    {10003: "Unknown Channel", 50083: "Thread is archived"}.get(code, "Missing Permissions"),
                )
            if channel_id not in self.channels:
                raise DiscordError(404, 10003, "Unknown Channel")
            body = await request.json()
            self._check(body)
        except DiscordError as exc:
            return web.json_response({"message": exc.message, "code": exc.code}, status=exc.status)
        message_id = str(next(self._ids))
        self.posted.append(Posted(message_id, channel_id, body))
        return web.json_response({"id": message_id, "channel_id": str(channel_id), **body})

    @staticmethod
    def _check(body: dict[str, Any]) -> None:
        content = body.get("content") or ""
        embeds = body.get("embeds") or []
        if not content and not embeds:
            raise DiscordError(400, 50006, "Cannot send an empty message")
        if len(content) > 2000:
            raise DiscordError(400, 50035, "Invalid Form Body: content must be 2000 or fewer in length")
        if len(embeds) > 10:
            raise DiscordError(400, 50035, "Invalid Form Body: embeds must be 10 or fewer")
        for embed in embeds:
            check_embed(embed)
        if sum(embed_total(e) for e in embeds) > 6000:
            raise DiscordError(400, 50035, "Invalid Form Body: embeds exceed 6000 characters in total")
