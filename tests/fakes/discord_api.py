"""A strict local fake of Discord: the REST API and the gateway websocket, driven by the real discord.py.

REST: login (`/users/@me`, `/oauth2/applications/@me`), `/gateway/bot` (which names the gateway's URL),
command registration (global and per guild, checked by Discord's rules), interaction callbacks (3-second
deadline, one answer, types valid for the interaction), follow-ups and edits through the interaction
webhook, and channel messages (limits, nonces with `enforce_nonce`, a per-channel bucket of 5 messages
per 5 s and a global 50 requests/s, with `X-RateLimit-*` headers and 429s like Discord's).

Gateway: HELLO, IDENTIFY (token and intents checked, privileged intents refused), READY with a resume
URL, GUILD_CREATE per guild, heartbeats acknowledged, RESUME replaying what was missed, zlib-stream
compression; tests drop the connection, dispatch events and raise interactions as a user would.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import secrets
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord_rules import (
    ANNOUNCEMENT,
    DM,
    EPHEMERAL,
    EVERYONE_DEFAULT,
    THREADS,
    DiscordError,
    check_choices,
    check_commands,
    check_message,
    compute_permissions,
    invalid,
)
from tests.fakes.server import LocalServer

APP_ID = 990_000_000_000_000_001
BOT_ID = 990_000_000_000_000_002
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content
INTERACTION_DEADLINE = 3.0
DEDUP_SECONDS = 300.0
EPOCH_MS = 1420070400000


def json_response(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON answer labelled exactly `application/json`, as Discord's are (discord.py parses only those)."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={**(headers or {}), "Content-Type": "application/json"},
    )


_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_MARKUP = re.compile(r"\*\*|`|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)")
_LINK = re.compile(r"\[([^\]]*)\]\((?:[^)\s]+)\)")


def visible(markdown: str) -> str:
    """Discord markdown as a reader sees it: bold, italics and code markers gone, links by their label,
    backslash escapes resolved (escaped characters are kept literally)."""
    kept: list[str] = []

    def hold(match: re.Match[str]) -> str:
        kept.append(match.group(1))
        return f"\x00{len(kept) - 1}\x00"

    text = _ESCAPED.sub(hold, markdown)
    text = _LINK.sub(r"\1", text)
    text = _MARKUP.sub("", text)
    return re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], text)


def snowflake(counter: itertools.count[int]) -> int:
    """A snowflake for now: Discord ids carry their creation time."""
    return ((int(time.time() * 1000) - EPOCH_MS) << 22) + next(counter) % (1 << 22)


def user_payload(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    """A user object."""
    return {
        "id": str(user_id),
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


@dataclass
class Channel:
    """A guild channel, thread or DM."""

    id: int
    type: int
    name: str
    guild_id: int | None = None
    parent_id: int | None = None
    overwrites: list[dict[str, Any]] = field(default_factory=list)
    recipient: int | None = None  # DMs

    def payload(self) -> dict[str, Any]:
        """The channel as the gateway and interactions describe it."""
        data: dict[str, Any] = {"id": str(self.id), "type": self.type, "name": self.name}
        if self.type == DM:
            data["recipients"] = [user_payload(self.recipient or 0, "someone")]
            data["last_message_id"] = None
            return data
        data.update(guild_id=str(self.guild_id), position=0, nsfw=False, rate_limit_per_user=0)
        data["parent_id"] = str(self.parent_id) if self.parent_id else None
        data["permission_overwrites"] = self.overwrites
        if self.type in THREADS:
            data.update(
                owner_id=str(BOT_ID),
                message_count=0,
                member_count=1,
                flags=0,
                thread_metadata={
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": "2026-11-19T00:00:00+00:00",
                    "locked": False,
                },
            )
        return data


@dataclass
class Guild:
    """A server: roles (id → permission bits; @everyone has the guild's id), channels and members' roles."""

    id: int
    name: str
    owner_id: int
    roles: dict[int, int] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, list[int]] = field(default_factory=dict)

    def permissions(self, user_id: int, channel: Channel) -> int:
        """A member's permissions in one of the guild's channels (threads take their parent's)."""
        source = self.channels.get(channel.parent_id or 0, channel) if channel.type in THREADS else channel
        return compute_permissions(
            guild_id=self.id,
            owner_id=self.owner_id,
            roles=self.roles,
            member_id=user_id,
            member_roles=self.members.get(user_id, []),
            overwrites=source.overwrites,
        )

    def member_payload(self, user_id: int, name: str, channel: Channel | None = None) -> dict[str, Any]:
        """A member object; with `channel`, carrying the member's permissions there (as interactions do)."""
        data: dict[str, Any] = {
            "user": user_payload(user_id, name, bot=user_id == BOT_ID),
            "roles": [str(r) for r in self.members.get(user_id, [])],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }
        if channel is not None:
            data["permissions"] = str(self.permissions(user_id, channel))
        return data

    def payload(self) -> dict[str, Any]:
        """GUILD_CREATE's payload."""
        channels = [c.payload() for c in self.channels.values() if c.type not in THREADS]
        threads = [c.payload() for c in self.channels.values() if c.type in THREADS]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": str(self.owner_id),
            "unavailable": False,
            "large": False,
            "member_count": len(self.members),
            "roles": [
                {
                    "id": str(role),
                    "name": "@everyone" if role == self.id else f"role {role}",
                    "permissions": str(bits),
                    "position": 0 if role == self.id else 1,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
                for role, bits in self.roles.items()
            ],
            "channels": channels,
            "threads": threads,
            "members": [self.member_payload(BOT_ID, "arxiv-digest")],  # the bot's own member, always sent
            "emojis": [],
            "stickers": [],
            "features": [],
            "voice_states": [],
            "presences": [],
            "preferred_locale": "en-US",
            "joined_at": "2026-01-01T00:00:00+00:00",
        }


@dataclass
class Posted:
    """A message Discord accepted into a channel."""

    id: str
    channel_id: int
    body: dict[str, Any]
    at: float


@dataclass
class Interaction:
    """An interaction the fake raised, and everything the bot answered to it."""

    id: int
    token: str
    type: int
    channel_id: int
    payload: dict[str, Any]
    created: float
    acked: int | None = None  # the callback type the bot answered with
    ephemeral: bool = False
    original: dict[str, Any] | None = None  # the response message as users see it
    original_deleted: bool = False
    followups: list[dict[str, Any]] = field(default_factory=list)
    choices: list[dict[str, Any]] | None = None
    updated: dict[str, Any] | None = None  # the pressed message's new content (component updates)
    late: bool = False  # a callback came after the deadline ("The application did not respond")

    @property
    def answered(self) -> bool:
        """True once users see something: a message, choices, an update (a lone "thinking…" is not)."""
        if self.type == 4:
            return self.choices is not None
        if self.acked == 5:
            return bool(self.followups) or (self.original is not None and not self.original.get("_loading"))
        if self.acked == 6:  # a deferred update: the pressed message is edited, or a follow-up is sent
            return bool(self.followups) or self.updated is not None
        return self.acked is not None

    def messages(self) -> list[tuple[dict[str, Any], bool]]:
        """What users see, in order: (body, ephemeral); the loading message of a defer is replaced."""
        shown: list[tuple[dict[str, Any], bool]] = []
        if self.original is not None and not self.original_deleted and not self.original.get("_loading"):
            shown.append((self.original, self.ephemeral))
        shown += [(body, bool(int(body.get("flags") or 0) & EPHEMERAL)) for body in self.followups]
        return shown

    def texts(self) -> list[str]:
        """The messages' text as users read it: content, then every embed's title, description and fields."""
        found = []
        for body, _ephemeral in self.messages():
            parts = [body.get("content") or ""]
            for embed in body.get("embeds") or []:
                parts += [embed.get("title", ""), embed.get("description", "")]
                parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])]
                parts.append((embed.get("footer") or {}).get("text", ""))
            found.append(visible("\n".join(p for p in parts if p)))
        return found


@dataclass
class Session:
    """A gateway session: what was dispatched (for RESUME), and the connection it is on."""

    id: str
    seq: int = 0
    events: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=1000))
    socket: Socket | None = None


@dataclass
class Socket:
    """One websocket connection, with its zlib-stream compressor when the client asked for one."""

    ws: web.WebSocketResponse
    request: web.Request
    compressor: Any = None

    async def send(self, payload: dict[str, Any]) -> None:
        """Send one gateway payload (compressed as a zlib stream if asked)."""
        data = json.dumps(payload)
        if self.compressor is None:
            await self.ws.send_str(data)
            return
        chunk = self.compressor.compress(data.encode()) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
        await self.ws.send_bytes(chunk)


@dataclass
class FakeDiscord(LocalServer):
    """The fake Discord; tests add guilds and channels, then talk to the bot through interactions."""

    token: str = "fake-discord-token.abc.def"
    channels: set[int] = field(default_factory=set)  # bare channels known only to REST (no guild)
    refusing: dict[int, int] = field(default_factory=dict)  # channel → the error code it answers with
    posted: list[Posted] = field(default_factory=list)
    rate_limit_next: int = 0
    rate_limit_global: bool = False
    retry_after: float = 0.05
    fail_next_5xx: int = 0
    hang_after_accept_next: int = 0  # accept a message, then answer only after the client gave up
    channel_bucket: tuple[int, float] | None = (5, 5.0)  # messages per window per channel (None: off)
    global_limit: int = 50  # requests per second across the bot
    auto_channels: bool = False  # benchmarks: any channel id is a channel the bot may post to
    heartbeat_interval_ms: int = 41250
    guilds: dict[int, Guild] = field(default_factory=dict)
    dms: dict[int, Channel] = field(default_factory=dict)
    interactions: dict[int, Interaction] = field(default_factory=dict)
    commands: dict[int | None, list[dict[str, Any]]] = field(default_factory=dict)  # None: global
    typing: list[int] = field(default_factory=list)
    identifies: int = 0
    resumes: int = 0
    heartbeats: int = 0
    rate_limited: int = 0
    deduplicated: int = 0
    injected: dict[str, int] = field(default_factory=lambda: {"hang": 0, "429": 0, "500": 0})
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        LocalServer.__init__(self)
        self.session: Session | None = None
        self._buckets: dict[int, deque[float]] = {}
        self._global: deque[float] = deque()
        self._nonces: dict[tuple[int, str], tuple[float, Posted]] = {}
        self._changed = asyncio.Condition()

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.session is not None and self.session.socket is not None:
            with contextlib.suppress(Exception):
                await self.session.socket.ws.close(code=1001)
        await self.stop()

    # ----- the world -----------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        """The REST base, as DISCORD_API_URL takes it."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    def add_guild(
        self, guild_id: int, name: str = "Research", *, owner_id: int = 1, bot_permissions: int = 0
    ) -> Guild:
        """A guild the bot is in: @everyone may read and post; the bot gets a role with `bot_permissions`."""
        bot_role = guild_id + 1
        guild = Guild(guild_id, name, owner_id, roles={guild_id: EVERYONE_DEFAULT, bot_role: bot_permissions})
        guild.members[BOT_ID] = [bot_role]
        self.guilds[guild_id] = guild
        return guild

    def add_channel(
        self,
        guild_id: int,
        channel_id: int,
        name: str = "papers",
        *,
        type_: int = 0,
        parent_id: int | None = None,
    ) -> Channel:
        """A text (0), announcement (5) channel or thread (11) in a guild."""
        channel = Channel(channel_id, type_, name, guild_id, parent_id)
        self.guilds[guild_id].channels[channel_id] = channel
        return channel

    def add_dm(self, channel_id: int, user_id: int) -> Channel:
        """The direct-message channel between the bot and a user."""
        channel = Channel(channel_id, DM, "", recipient=user_id)
        self.dms[channel_id] = channel
        return channel

    def channel(self, channel_id: int) -> tuple[Guild | None, Channel] | None:
        """A channel and its guild (None for DMs), if it exists."""
        if channel_id in self.dms:
            return None, self.dms[channel_id]
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild, guild.channels[channel_id]
        return None

    def bot_may_post(self, channel_id: int) -> bool:
        """Whether the bot could post into a channel by its permissions."""
        found = self.channel(channel_id)
        if found is None:
            return channel_id in self.channels
        guild, channel = found
        if guild is None:
            return True
        bits = guild.permissions(BOT_ID, channel)
        needed = (1 << 38) if channel.type in THREADS else (1 << 11)
        return bool(bits & (1 << 10)) and bool(bits & needed)

    # ----- routes --------------------------------------------------------------------------------
    def routes(self, app: web.Application) -> None:
        """REST under /api/v10, the gateway at /gateway and its resume URL at /resume."""
        api = "/api/v10"
        app.router.add_get(f"{api}/users/@me", self._me)
        app.router.add_get(f"{api}/oauth2/applications/@me", self._application)
        app.router.add_get(f"{api}/gateway/bot", self._gateway_bot)
        app.router.add_put(f"{api}/applications/{{app}}/commands", self._put_commands)
        app.router.add_put(f"{api}/applications/{{app}}/guilds/{{guild}}/commands", self._put_commands)
        app.router.add_post(f"{api}/interactions/{{id}}/{{token}}/callback", self._callback)
        app.router.add_post(f"{api}/webhooks/{{app}}/{{token}}", self._followup)
        app.router.add_route("*", f"{api}/webhooks/{{app}}/{{token}}/messages/{{message}}", self._original)
        app.router.add_post(f"{api}/channels/{{channel_id}}/messages", self._post_message)
        app.router.add_post(f"{api}/channels/{{channel_id}}/typing", self._typing)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/_fake/stats", self._stats)
        app.router.add_get("/resume", self._gateway)

    def _authorized(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise DiscordError(401, 0, "401: Unauthorized")

    @staticmethod
    def _error(exc: DiscordError) -> web.Response:
        return json_response({"message": exc.message, "code": exc.code}, status=exc.status)

    async def _me(self, request: web.Request) -> web.Response:
        try:
            self._authorized(request)
        except DiscordError as exc:
            return self._error(exc)
        return json_response({**user_payload(BOT_ID, "arxiv-digest", bot=True), "flags": 0})

    async def _application(self, request: web.Request) -> web.Response:
        try:
            self._authorized(request)
        except DiscordError as exc:
            return self._error(exc)
        return json_response(
            {
                "id": str(APP_ID),
                "name": "arXiv digest",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": user_payload(1, "owner"),
                "verify_key": "0" * 64,
                "flags": 0,
                "interactions_endpoint_url": None,
                "team": None,
            }
        )

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        try:
            self._authorized(request)
        except DiscordError as exc:
            return self._error(exc)
        return json_response(
            {
                "url": f"ws://127.0.0.1:{self.port}/gateway",
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _put_commands(self, request: web.Request) -> web.Response:
        try:
            self._authorized(request)
            if int(request.match_info["app"]) != APP_ID:
                raise DiscordError(403, 50001, "Missing Access")
            body = await request.json()
            if not isinstance(body, list):
                raise invalid("expected a list of commands")
            check_commands(body)
        except DiscordError as exc:
            return self._error(exc)
        guild = int(request.match_info["guild"]) if "guild" in request.match_info else None
        if guild is not None and guild not in self.guilds:
            return self._error(DiscordError(403, 50001, "Missing Access"))
        stored = []
        for command in body:
            data = {"id": str(snowflake(self._ids)), "application_id": str(APP_ID), "version": "1", **command}
            data.setdefault("type", 1)
            data.setdefault("description", "")
            if guild is not None:
                data["guild_id"] = str(guild)
            stored.append(data)
        self.commands[guild] = stored
        return json_response(stored)

    # ----- channel messages ----------------------------------------------------------------------
    def _take_global(self) -> None:
        now = time.monotonic()
        while self._global and self._global[0] < now - 1.0:
            self._global.popleft()
        if len(self._global) >= self.global_limit:
            raise _RateLimitedError(1.0 - (now - self._global[0]), scope="global")
        self._global.append(now)

    def _take_bucket(self, channel_id: int) -> dict[str, str]:
        if self.channel_bucket is None:
            return {}
        limit, window = self.channel_bucket
        now = time.monotonic()
        sent = self._buckets.setdefault(channel_id, deque())
        while sent and sent[0] <= now - window:
            sent.popleft()
        if len(sent) >= limit:
            raise _RateLimitedError(window - (now - sent[0]), scope="user")
        sent.append(now)
        reset = window - (now - sent[0])
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(limit - len(sent)),
            "X-RateLimit-Reset-After": f"{reset:.3f}",
            "X-RateLimit-Bucket": "messages",
        }

    async def _stats(self, _request: web.Request) -> web.Response:
        embeds = sum(len(p.body.get("embeds") or []) for p in self.posted)
        return json_response({"sent": len(self.posted), "embeds": embeds, "rate_limited": self.rate_limited})

    async def _typing(self, request: web.Request) -> web.Response:
        try:
            self._authorized(request)
            channel_id = int(request.match_info["channel_id"])
            if self.channel(channel_id) is None and channel_id not in self.channels:
                raise DiscordError(404, 10003, "Unknown Channel")
        except DiscordError as exc:
            return self._error(exc)
        self.typing.append(channel_id)
        return web.Response(status=204)

    async def _post_message(self, request: web.Request) -> web.StreamResponse:
        try:
            self._authorized(request)
            if self.rate_limit_next > 0:
                self.rate_limit_next -= 1
                self.injected["429"] += 1
                raise _RateLimitedError(
                    self.retry_after, scope="global" if self.rate_limit_global else "user"
                )
            if self.fail_next_5xx > 0:
                self.fail_next_5xx -= 1
                self.injected["500"] += 1
                raise DiscordError(500, 0, "500: Internal Server Error")
            self._take_global()
            channel_id = int(request.match_info["channel_id"])
            if channel_id in self.refusing:
                code = self.refusing[channel_id]
                status = 404 if code == 10003 else 400 if code == 50083 else 403
                words = {
                    10003: "Unknown Channel",
                    50083: "Thread is archived",
                    50007: "Cannot send messages to this user",
                }
                raise DiscordError(status, code, words.get(code, "Missing Permissions"))
            if self.auto_channels:
                self.channels.add(channel_id)
            if self.channel(channel_id) is None and channel_id not in self.channels:
                raise DiscordError(404, 10003, "Unknown Channel")
            if not self.bot_may_post(channel_id):
                raise DiscordError(403, 50013, "Missing Permissions")
            body = await request.json()
            check_message(body)
            if existing := self._deduplicated(channel_id, body):
                self.deduplicated += 1
                return json_response(self._message(existing))
            headers = self._take_bucket(channel_id)
        except _RateLimitedError as limited:
            self.rate_limited += 1
            return limited.response()
        except DiscordError as exc:
            return self._error(exc)
        posted = Posted(str(snowflake(self._ids)), channel_id, body, time.monotonic())
        self.posted.append(posted)
        if body.get("enforce_nonce") and body.get("nonce") is not None:
            self._nonces[(channel_id, str(body["nonce"]))] = (posted.at, posted)
        async with self._changed:
            self._changed.notify_all()
        if self.hang_after_accept_next > 0:
            self.hang_after_accept_next -= 1
            self.injected["hang"] += 1
            await asyncio.sleep(60)  # the client times out: it cannot know the message went out
        return json_response(self._message(posted), headers=headers)

    def _deduplicated(self, channel_id: int, body: dict[str, Any]) -> Posted | None:
        if not body.get("enforce_nonce") or body.get("nonce") is None:
            return None
        found = self._nonces.get((channel_id, str(body["nonce"])))
        if found is None or time.monotonic() - found[0] > DEDUP_SECONDS:
            return None
        return found[1]

    @staticmethod
    def _message(posted: Posted) -> dict[str, Any]:
        body = posted.body
        return {
            "id": posted.id,
            "channel_id": str(posted.channel_id),
            "type": 0,
            "author": user_payload(BOT_ID, "arxiv-digest", bot=True),
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "timestamp": "2026-11-19T12:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "pinned": False,
            "flags": int(body.get("flags") or 0),
            "nonce": body.get("nonce"),
        }

    # ----- interactions --------------------------------------------------------------------------
    def _interaction(self, request: web.Request) -> Interaction:
        found = self.interactions.get(int(request.match_info["id"]))
        if found is None or found.token != request.match_info["token"]:
            raise DiscordError(404, 10062, "Unknown interaction")
        return found

    def _by_token(self, request: web.Request) -> Interaction:
        if int(request.match_info["app"]) != APP_ID:
            raise DiscordError(404, 10015, "Unknown Webhook")
        for interaction in self.interactions.values():
            if interaction.token == request.match_info["token"]:
                if interaction.acked is None:
                    raise DiscordError(404, 10015, "Unknown Webhook")  # no response to follow up yet
                return interaction
        raise DiscordError(404, 10015, "Unknown Webhook")

    async def _callback(self, request: web.Request) -> web.Response:
        try:
            interaction = self._interaction(request)
            if time.monotonic() - interaction.created > INTERACTION_DEADLINE:
                interaction.late = True
                raise DiscordError(404, 10062, "Unknown interaction")
            if interaction.acked is not None:
                raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
            body = await request.json()
            kind, data = body.get("type"), body.get("data") or {}
            self._check_callback(interaction, kind, data)
        except DiscordError as exc:
            return self._error(exc)
        interaction.acked = kind
        interaction.ephemeral = bool(int(data.get("flags") or 0) & EPHEMERAL)
        if kind == 8:
            interaction.choices = data["choices"]
        elif kind == 4:
            interaction.original = data
        elif kind == 5:
            interaction.original = {"_loading": True}
        elif kind == 7:
            interaction.updated = data
        async with self._changed:
            self._changed.notify_all()
        if kind == 8:
            return web.Response(status=204)
        message = self._interaction_message(interaction, interaction.original or interaction.updated or {})
        return json_response(
            {
                "interaction": {
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "response_message_id": message["id"],
                    "response_message_loading": kind == 5,
                    "response_message_ephemeral": interaction.ephemeral,
                },
                "resource": {"type": kind, "message": message},
            }
        )

    @staticmethod
    def _check_callback(interaction: Interaction, kind: object, data: dict[str, Any]) -> None:
        allowed = {2: {4, 5}, 3: {4, 5, 6, 7}, 4: {8}}[interaction.type]
        if kind not in allowed:
            raise invalid(f"type {kind} is not a response to an interaction of type {interaction.type}")
        if kind == 8:
            check_choices(data)
        elif kind in {4, 7}:
            check_message(data, interaction=True)

    def _interaction_message(self, interaction: Interaction, body: dict[str, Any]) -> dict[str, Any]:
        posted = Posted(str(interaction.id + 1), interaction.channel_id, body, time.monotonic())
        message = self._message(posted)
        payload = interaction.payload
        user = payload["member"]["user"] if "member" in payload else payload["user"]
        message["interaction_metadata"] = {"id": str(interaction.id), "type": interaction.type, "user": user}
        return message

    async def _followup(self, request: web.Request) -> web.Response:
        try:
            interaction = self._by_token(request)
            body = await request.json()
            check_message(body, interaction=True)
        except DiscordError as exc:
            return self._error(exc)
        loading = interaction.original is not None and interaction.original.get("_loading")
        if interaction.acked == 5 and loading and not interaction.original_deleted:
            interaction.original = body  # the first follow-up replaces "thinking…"
        else:
            interaction.followups.append(body)
        async with self._changed:
            self._changed.notify_all()
        return json_response(self._interaction_message(interaction, body))

    async def _original(self, request: web.Request) -> web.Response:
        try:
            interaction = self._by_token(request)
            if request.match_info["message"] != "@original":
                raise DiscordError(404, 10008, "Unknown Message")
            if request.method == "DELETE":
                interaction.original_deleted = True
                async with self._changed:
                    self._changed.notify_all()
                return web.Response(status=204)
            if request.method == "GET":
                return json_response(self._interaction_message(interaction, interaction.original or {}))
            body = await request.json()
            # After a component's (deferred) update, @original is the message the button is on.
            pressed = interaction.type == 3 and interaction.acked in {6, 7}
            shown = (
                (interaction.updated or interaction.payload["message"]) if pressed else interaction.original
            )
            merged = {k: v for k, v in {**(shown or {}), **body}.items() if k != "_loading"}
            check_message(merged, interaction=True)
        except DiscordError as exc:
            return self._error(exc)
        if pressed:
            interaction.updated = merged
            async with self._changed:
                self._changed.notify_all()
            return json_response(self._interaction_message(interaction, merged))
        interaction.original = merged
        async with self._changed:
            self._changed.notify_all()
        return json_response(self._interaction_message(interaction, interaction.original))

    # ----- the gateway ---------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoclose=False)
        await ws.prepare(request)
        query = request.query
        if query.get("v") != "10" or query.get("encoding") != "json":
            await ws.close(code=4012, message=b"Invalid API version")
            return ws
        compress = query.get("compress")
        if compress not in {None, "zlib-stream"}:
            await ws.close(code=4000, message=b"The fake speaks zlib-stream only")
            return ws
        socket = Socket(ws, request, zlib.compressobj() if compress else None)
        await socket.send(
            {"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None}
        )
        resume_path = request.path == "/resume"
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    break
                payload = json.loads(message.data)
                await self._on_payload(socket, payload, resume_path=resume_path)
        finally:
            if self.session is not None and self.session.socket is socket:
                self.session.socket = None
        return ws

    async def _on_payload(self, socket: Socket, payload: dict[str, Any], *, resume_path: bool) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == 1:
            self.heartbeats += 1
            await socket.send({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(socket, data or {})
        elif op == 6:
            await self._resume(socket, data or {}, resume_path=resume_path)

    async def _identify(self, socket: Socket, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await socket.ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int):
            await socket.ws.close(code=4013, message=b"Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS:
            await socket.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self.identifies += 1
        self.session = Session(secrets.token_hex(8), socket=socket)
        ready = {
            "v": 10,
            "user": user_payload(BOT_ID, "arxiv-digest", bot=True),
            "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
            "session_id": self.session.id,
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/resume",
            "application": {"id": str(APP_ID), "flags": 0},
            "private_channels": [],
        }
        await self.dispatch("READY", ready)
        for guild in self.guilds.values():
            await self.dispatch("GUILD_CREATE", guild.payload())

    async def _resume(self, socket: Socket, data: dict[str, Any], *, resume_path: bool) -> None:
        session = self.session
        if (
            session is None
            or data.get("session_id") != session.id
            or data.get("token") != self.token
            or not resume_path
        ):
            await socket.send({"op": 9, "d": False, "s": None, "t": None})
            return
        self.resumes += 1
        session.socket = socket
        missed = [event for event in session.events if event["s"] > int(data.get("seq") or 0)]
        for event in missed:
            await socket.send(event)
        await self._send_event(session, "RESUMED", {})

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Dispatch an event to the bot's session (kept for a RESUME when the bot is disconnected)."""
        if self.session is None:
            return
        await self._send_event(self.session, event, data)

    async def _send_event(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        payload = {"op": 0, "s": session.seq, "t": event, "d": data}
        session.events.append(payload)
        if session.socket is not None:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await session.socket.send(payload)

    def drop(self) -> None:
        """Cut the bot's gateway connection abruptly, as a network failure would."""
        assert self.session is not None
        assert self.session.socket is not None
        transport = self.session.socket.request.transport
        assert transport is not None
        transport.abort()
        self.session.socket = None

    @property
    def connected(self) -> bool:
        """Whether the bot's gateway session has a live connection."""
        return self.session is not None and self.session.socket is not None

    async def wait_for(self, condition: Callable[[], bool], within: float = 10.0) -> None:
        """Wait until `condition` holds (checked whenever the fake changes, and every 50 ms)."""
        deadline = time.monotonic() + within
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("the condition did not hold in time")
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), min(remaining, 0.05))

    # ----- a user's side -------------------------------------------------------------------------
    def _base(self, kind: int, channel_id: int, user_id: int, locale: str) -> dict[str, Any]:
        found = self.channel(channel_id)
        assert found is not None, f"no channel {channel_id}"
        guild, channel = found
        payload: dict[str, Any] = {
            "id": str(snowflake(self._ids)),
            "application_id": str(APP_ID),
            "type": kind,
            "token": secrets.token_urlsafe(24),
            "version": 1,
            "channel_id": str(channel_id),
            "channel": channel.payload(),
            "locale": locale,
            "attachment_size_limit": 8 * 1024 * 1024,
            "entitlements": [],
        }
        if guild is None:
            payload.update(user=user_payload(user_id, f"user{user_id}"), context=1)
            payload["app_permissions"] = str(EVERYONE_DEFAULT)
            payload["authorizing_integration_owners"] = {"0": "0"}
        else:
            payload.update(guild_id=str(guild.id), guild_locale="en-US", context=0)
            payload["member"] = guild.member_payload(user_id, f"user{user_id}", channel)
            payload["app_permissions"] = str(guild.permissions(BOT_ID, channel))
            payload["authorizing_integration_owners"] = {"0": str(guild.id)}
        return payload

    def _registered(self, name: str, kind: int, channel_id: int) -> dict[str, Any]:
        found = self.channel(channel_id)
        guild = found[0] if found else None
        scopes = ([guild.id] if guild else []) + [None]
        for scope in scopes:
            for command in self.commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == kind:
                    return command
        raise AssertionError(f"/{name} is not registered where channel {channel_id} could use it")

    async def _raise(self, payload: dict[str, Any]) -> Interaction:
        interaction = Interaction(
            int(payload["id"]),
            payload["token"],
            payload["type"],
            int(payload["channel_id"]),
            payload,
            time.monotonic(),
        )
        self.interactions[interaction.id] = interaction
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction

    async def slash(
        self,
        name: str,
        channel_id: int,
        user_id: int,
        options: dict[str, str] | None = None,
        *,
        locale: str = "en-US",
        focused: str | None = None,
    ) -> Interaction:
        """A user runs /name with options (or types in option `focused`: an autocomplete request)."""
        command = self._registered(name, 1, channel_id)
        declared = {o["name"]: o for o in command.get("options", [])}
        given = []
        for option, value in (options or {}).items():
            assert option in declared, f"/{name} has no option {option!r}"
            entry: dict[str, Any] = {"name": option, "type": declared[option]["type"], "value": value}
            if option == focused:
                assert declared[option].get("autocomplete"), f"{option!r} has no autocomplete"
                entry["focused"] = True
            given.append(entry)
        missing = [o for o, spec in declared.items() if spec.get("required") and o not in (options or {})]
        assert focused is not None or not missing, f"Discord would not send /{name} without {missing}"
        payload = self._base(4 if focused else 2, channel_id, user_id, locale)
        payload["data"] = {"id": command["id"], "name": name, "type": 1, "options": given}
        if command.get("guild_id"):
            payload["data"]["guild_id"] = command["guild_id"]
        return await self._raise(payload)

    async def message_command(self, name: str, channel_id: int, user_id: int, content: str) -> Interaction:
        """A user runs a message context-menu command on someone's message with `content`."""
        command = self._registered(name, 3, channel_id)
        target = snowflake(self._ids)
        message = self._message(Posted(str(target), channel_id, {"content": content}, time.monotonic()))
        message["author"] = user_payload(4242, "someone")
        payload = self._base(2, channel_id, user_id, "en-US")
        payload["data"] = {
            "id": command["id"],
            "name": name,
            "type": 3,
            "target_id": str(target),
            "resolved": {"messages": {str(target): message}},
        }
        return await self._raise(payload)

    async def press(self, shown_in: Interaction, custom_id: str, user_id: int) -> Interaction:
        """A user presses a button of the message an earlier interaction answered with."""
        bodies = [body for body, _ in shown_in.messages() if body.get("components")]
        assert bodies, "the answer has no buttons"
        body = bodies[-1]
        ids = [b.get("custom_id") for row in body["components"] for b in row["components"]]
        assert custom_id in ids, f"no button {custom_id!r} in {ids}"
        payload = self._base(3, shown_in.channel_id, user_id, "en-US")
        message = self._interaction_message(shown_in, body)
        payload["message"] = message
        payload["data"] = {"custom_id": custom_id, "component_type": 2}
        return await self._raise(payload)

    async def press_posted(self, posted: Posted, custom_id: str, user_id: int) -> Interaction:
        """A user presses a button of a message the bot posted into a channel (a digest)."""
        ids = [b.get("custom_id") for row in posted.body.get("components", []) for b in row["components"]]
        assert custom_id in ids, f"no button {custom_id!r} in {ids}"
        payload = self._base(3, posted.channel_id, user_id, "en-US")
        payload["message"] = self._message(posted)
        payload["data"] = {"custom_id": custom_id, "component_type": 2}
        return await self._raise(payload)

    async def forged_press(self, channel_id: int, custom_id: str, user_id: int) -> Interaction:
        """A button press with any custom id, on a message of the bot (clients can send anything)."""
        payload = self._base(3, channel_id, user_id, "en-US")
        payload["message"] = self._message(Posted("1", channel_id, {"content": "old"}, time.monotonic()))
        payload["data"] = {"custom_id": custom_id, "component_type": 2}
        return await self._raise(payload)

    async def dm_message(self, channel_id: int, user_id: int, content: str) -> None:
        """A user writes to the bot in their DM channel (MESSAGE_CREATE)."""
        message = self._message(
            Posted(str(snowflake(self._ids)), channel_id, {"content": content}, time.monotonic())
        )
        message["author"] = user_payload(user_id, f"user{user_id}")
        await self.dispatch("MESSAGE_CREATE", message)

    def unanswered(self) -> list[Interaction]:
        """Interactions the bot never answered in time ("The application did not respond")."""
        now = time.monotonic()
        return [
            i
            for i in self.interactions.values()
            if i.late or (i.acked is None and now - i.created > INTERACTION_DEADLINE)
        ]

    # ----- server-side events --------------------------------------------------------------------
    async def remove_bot(self, guild_id: int) -> None:
        """The bot is kicked from a guild (GUILD_DELETE without `unavailable`)."""
        del self.guilds[guild_id]
        await self.dispatch("GUILD_DELETE", {"id": str(guild_id)})

    async def outage(self, guild_id: int) -> None:
        """A guild becomes unavailable (GUILD_DELETE with `unavailable`): the bot was not removed."""
        await self.dispatch("GUILD_DELETE", {"id": str(guild_id), "unavailable": True})

    async def readd_bot(self, guild: Guild) -> None:
        """The bot is invited back (GUILD_CREATE)."""
        self.guilds[guild.id] = guild
        await self.dispatch("GUILD_CREATE", guild.payload())

    async def delete_channel(self, guild_id: int, channel_id: int) -> None:
        """A channel is deleted (CHANNEL_DELETE, or THREAD_DELETE for a thread)."""
        channel = self.guilds[guild_id].channels.pop(channel_id)
        if channel.type in THREADS:
            data = {
                "id": str(channel_id),
                "guild_id": str(guild_id),
                "parent_id": str(channel.parent_id),
                "type": channel.type,
            }
            await self.dispatch("THREAD_DELETE", data)
        else:
            await self.dispatch("CHANNEL_DELETE", channel.payload())

    async def set_overwrites(self, guild_id: int, channel_id: int, overwrites: list[dict[str, Any]]) -> None:
        """A channel's permission overwrites change (CHANNEL_UPDATE)."""
        channel = self.guilds[guild_id].channels[channel_id]
        channel.overwrites = overwrites
        await self.dispatch("CHANNEL_UPDATE", channel.payload())

    async def set_role(self, guild_id: int, role_id: int, permissions: int) -> None:
        """A role's permissions change (GUILD_ROLE_UPDATE)."""
        guild = self.guilds[guild_id]
        guild.roles[role_id] = permissions
        role = next(r for r in guild.payload()["roles"] if r["id"] == str(role_id))
        await self.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(guild_id), "role": role})


class _RateLimitedError(Exception):
    """A 429: how long to wait, and whether the whole bot or one route is limited."""

    def __init__(self, retry_after: float, scope: str) -> None:
        super().__init__(scope)
        self.retry_after, self.scope = max(0.001, retry_after), scope

    def response(self) -> web.Response:
        body = {
            "message": "You are being rate limited.",
            "retry_after": round(self.retry_after, 3),
            "global": self.scope == "global",
        }
        headers = {"Retry-After": str(max(1, round(self.retry_after))), "X-RateLimit-Scope": self.scope}
        if self.scope != "global":
            headers.update(
                {
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset-After": f"{self.retry_after:.3f}",
                }
            )
        else:
            headers["X-RateLimit-Global"] = "true"
        return json_response(body, status=429, headers=headers)


__all__ = ["ANNOUNCEMENT", "APP_ID", "BOT_ID", "DiscordError", "FakeDiscord", "Guild", "Interaction"]
