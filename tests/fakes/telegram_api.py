"""A strict local fake of the Telegram Bot API, driven by the real python-telegram-bot over HTTP.

It validates what Telegram validates (token, HTML entities, 4096-character limit, known chats) and can
inject Telegram's failures: 429 with retry_after, 403 blocked/kicked, chats migrated to supergroups.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.server import LocalServer
from tests.fakes.telegram_entities import EntityParseError, parse_html, utf16_len

ANONYMOUS_ADMIN_ID = 1087968824
ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
}
BOT_ID = 777000111
BOT_USERNAME = "ArxivDigestTestBot"
MESSAGE_LIMIT = 4096
_JSON_FIELDS = {
    "reply_markup",
    "reply_parameters",
    "link_preview_options",
    "commands",
    "allowed_updates",
    "scope",
    "entities",
}
_CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}


class ApiError(Exception):
    """A Bot API error response."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass
class SentMessage:
    """A message the bot sent, as the fake accepted it."""

    message_id: int
    chat_id: int
    text: str
    visible_text: str
    parse_mode: str | None
    params: dict[str, Any]
    at: float


@dataclass
class Chat:
    """A chat the fake knows about."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    blocked: bool = False
    migrated_to: int | None = None
    members: dict[int, str] = field(default_factory=dict)  # user id -> status (default "member")


@dataclass
class Failure:
    """A failure to inject into the next matching calls."""

    method: str
    kind: str  # "429" | "500" | "timeout_after_accept"
    count: int
    retry_after: int = 1
    after: int = 0  # matching calls let through before the failures start (e.g. a message's 2nd part)


@dataclass
class FakeTelegram(LocalServer):
    """The fake server; use as `async with FakeTelegram(token) as tg:` and point the bot at tg.api_url."""

    token: str = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[SentMessage] = field(default_factory=list)
    actions: list[tuple[int, str]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    commands: list[dict[str, str]] = field(default_factory=list)
    chats: dict[int, Chat] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    menus: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # command menus by language_code
    # Telegram allows a bot about 20 messages a minute in one group; 0 leaves it unenforced.
    group_messages_per_minute: int = 0
    rate_limited: list[int] = field(default_factory=list)  # chats that were answered 429 by that limit
    _group_sends: dict[int, list[float]] = field(default_factory=dict)
    chaos: dict[str, float] = field(default_factory=dict)  # sendMessage failure kind -> probability
    injected: Counter[str] = field(default_factory=Counter)
    rng: random.Random = field(default_factory=lambda: random.Random(1234))
    auto_chats: bool = False  # benchmarks: any chat id is a private chat that exists
    edits: list[SentMessage] = field(default_factory=list)
    markup_edits: list[SentMessage] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._new_update = asyncio.Condition()
        self._new_message = asyncio.Condition()
        LocalServer.__init__(self)
        self._closing = False

    # ----- lifecycle -------------------------------------------------------------------------
    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        async with self._new_update:
            self._closing = True
            self._new_update.notify_all()
        await self.stop()

    def routes(self, app: web.Application) -> None:
        """Register the fake's endpoints."""
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/_fake/stats", self._stats)

    @property
    def api_url(self) -> str:
        """The value for TELEGRAM_API_URL."""
        return f"http://127.0.0.1:{self.port}/bot"

    # ----- test controls ---------------------------------------------------------------------
    def add_chat(self, chat_id: int, chat_type: str = "private", title: str | None = None) -> Chat:
        """Make a chat known to the fake."""
        chat = Chat(chat_id, chat_type, title=title)
        self.chats[chat_id] = chat
        return chat

    def _chat_json(self, chat: Chat) -> dict[str, Any]:
        data: dict[str, Any] = {"id": chat.id, "type": chat.type}
        if chat.type == "private":
            data["first_name"] = "Tester"
        else:
            data["title"] = chat.title or f"Chat {chat.id}"
        return data

    def _user_json(self, user_id: int, language_code: str | None = "en") -> dict[str, Any]:
        if user_id == ANONYMOUS_ADMIN_ID:
            return {"id": user_id, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
        return {"id": user_id, "is_bot": False, "first_name": "Tester", "language_code": language_code}

    async def push_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        language_code: str | None = "en",
        chat_type: str = "private",
        anonymous_admin: bool = False,
    ) -> int:
        """Queue an update with a message (or channel post) carrying `text`; returns its message id."""
        chat = self.chats.get(chat_id) or self.add_chat(chat_id, chat_type)
        message_id = next(self._message_ids)
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat_json(chat),
            "text": text,
        }
        if anonymous_admin:
            message["from"] = self._user_json(ANONYMOUS_ADMIN_ID)
            message["sender_chat"] = self._chat_json(chat)
        elif chat.type != "channel":
            message["from"] = self._user_json(user_id if user_id is not None else chat_id, language_code)
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        kind = "channel_post" if chat.type == "channel" else "message"
        await self.push_update({kind: message})
        return message_id

    async def push_button(
        self, chat_id: int, user_id: int, message_id: int, data: str, *, stale: bool = False
    ) -> None:
        """Queue a callback query: `user_id` pressed a button with `data` under the bot's message
        (`stale`: one Telegram no longer accepts an answer to, e.g. delivered after a long outage)."""
        chat = self.chats[chat_id]
        sent = next(m for m in self.sent if m.message_id == message_id)
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat_json(chat),
            "from": self._bot_user(),
            "text": sent.visible_text,
        }
        if sent.params.get("reply_markup"):  # Telegram sends the pressed message's keyboard along
            message["reply_markup"] = sent.params["reply_markup"]
        query = {
            "id": f"{'old' if stale else 'cq'}{next(self._update_ids)}",
            "from": self._user_json(user_id),
            "chat_instance": str(chat_id),
            "data": data,
            "message": message,
        }
        await self.push_update({"callback_query": query})

    async def push_my_chat_member(
        self, chat_id: int, old: str, new: str, *, user_id: int = 1, can_post_messages: bool = True
    ) -> None:
        """Queue a my_chat_member update: the bot's status in a chat changed from `old` to `new`."""
        chat = self.chats[chat_id]
        chat.blocked = new in {"kicked", "left"}

        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"status": status, "user": self._bot_user()}
            if status == "administrator":
                data.update(ADMIN_RIGHTS, can_post_messages=can_post_messages)
            if status == "kicked":
                data["until_date"] = 0
            return data

        change = {
            "chat": self._chat_json(chat),
            "from": self._user_json(user_id),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        await self.push_update({"my_chat_member": change})

    async def migrate_group(self, old_id: int, new_id: int) -> None:
        """Upgrade a group to a supergroup: the old id stops working and both service messages arrive."""
        old = self.chats[old_id]
        new = self.add_chat(new_id, "supergroup", old.title)
        new.members = dict(old.members)
        old.migrated_to = new_id
        for chat, key, value in ((old, "migrate_to_chat_id", new_id), (new, "migrate_from_chat_id", old_id)):
            message = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": self._chat_json(chat),
                "from": self._user_json(1),
                key: value,
            }
            await self.push_update({"message": message})

    async def push_update(self, payload: dict[str, Any]) -> None:
        """Queue a raw update (update_id is assigned)."""
        async with self._new_update:
            self.updates.append({"update_id": next(self._update_ids), **payload})
            self._new_update.notify_all()

    def fail(self, method: str, kind: str, count: int = 1, retry_after: int = 1, after: int = 0) -> None:
        """Make `count` calls of `method` fail with `kind`, once `after` calls of it went through."""
        self.failures.append(Failure(method, kind, count, retry_after, after))

    async def wait_for_messages(
        self, count: int, chat_id: int | None = None, within: float = 10
    ) -> list[SentMessage]:
        """Wait until at least `count` messages were sent (to `chat_id`, if given)."""

        def matching() -> list[SentMessage]:
            return [m for m in self.sent if chat_id is None or m.chat_id == chat_id]

        async with self._new_message:
            await asyncio.wait_for(self._new_message.wait_for(lambda: len(matching()) >= count), within)
        return matching()

    # ----- HTTP ------------------------------------------------------------------------------
    async def _stats(self, _request: web.Request) -> web.Response:
        return web.json_response({"sent": len(self.sent), "chats": len({m.chat_id for m in self.sent})})

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        try:
            failure = self._take_failure(method)
            if failure is not None and failure.kind == "429":
                raise ApiError(
                    429,
                    f"Too Many Requests: retry after {failure.retry_after}",
                    {"retry_after": failure.retry_after},
                )
            if failure is not None and failure.kind == "500":
                raise ApiError(500, "Internal Server Error")
            result = await handler(params)
            if failure is not None and failure.kind == "timeout_after_accept":
                await asyncio.sleep(3600)
        except ApiError as exc:
            body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            return web.json_response(body, status=exc.code)
        return web.json_response({"ok": True, "result": result})

    def _take_failure(self, method: str) -> Failure | None:
        for failure in self.failures:
            if failure.method == method and failure.count > 0:
                if failure.after > 0:
                    failure.after -= 1
                    return None
                failure.count -= 1
                return failure
        if method == "sendMessage" and self.chaos:
            roll = self.rng.random()
            for kind, probability in self.chaos.items():
                if roll < probability:
                    self.injected[kind] += 1
                    return Failure(method, kind, 0, retry_after=1)
                roll -= probability
        return None

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                params[key] = value.file.read() if isinstance(value, web.FileField) else value
        for key in _JSON_FIELDS & params.keys():
            if isinstance(params[key], str):
                try:
                    params[key] = json.loads(params[key])
                except json.JSONDecodeError as exc:
                    raise web.HTTPBadRequest(text=f"bad JSON in {key}") from exc
        return params

    # ----- methods ---------------------------------------------------------------------------
    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "arXiv Digest",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_getme(self, params: dict[str, Any]) -> Any:
        return self._bot_user()

    async def _m_deletewebhook(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_getwebhookinfo(self, params: dict[str, Any]) -> Any:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": len(self.updates)}

    async def _m_setmycommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be a list of at most 100 items")
        for command in commands:
            name, description = command.get("command", ""), command.get("description", "")
            if not (1 <= len(name) <= 32) or not name.replace("_", "").isalnum() or name != name.lower():
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not (1 <= len(description) <= 256):
                raise ApiError(400, "Bad Request: command description is invalid")
        language = params.get("language_code") or ""
        if language and (len(language) != 2 or not language.isalpha() or not language.islower()):
            raise ApiError(400, "Bad Request: invalid language code specified")  # ISO 639-1 only
        self.menus[language] = commands
        if not language:
            self.commands = commands
        return True

    async def _m_getupdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset", 0) or 0)
        timeout = min(float(params.get("timeout", 0) or 0), 2.0)
        limit = int(params.get("limit", 100) or 100)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]

        def pending() -> list[dict[str, Any]]:
            return [u for u in self.updates if u["update_id"] >= offset][:limit]

        async with self._new_update:
            if not pending() and not self._closing:
                try:
                    await asyncio.wait_for(self._new_update.wait_for(lambda: bool(pending())), timeout)
                except TimeoutError:
                    return []
        return pending()

    def _chat_for_send(self, params: dict[str, Any]) -> Chat:
        try:
            chat_id = int(params["chat_id"])
        except (KeyError, ValueError) as exc:
            raise ApiError(400, "Bad Request: chat_id is empty") from exc
        chat = self.chats.get(chat_id)
        if chat is None and self.auto_chats:
            chat = self.add_chat(chat_id, "private")
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.blocked:
            if chat.type == "private":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        return chat

    async def _m_getchatmember(self, params: dict[str, Any]) -> Any:
        chat = self._chat_for_send(params)
        user_id = int(params["user_id"])
        status = chat.members.get(user_id, "member")
        if status == "error":
            raise ApiError(400, "Bad Request: PARTICIPANT_ID_INVALID")
        member: dict[str, Any] = {"status": status, "user": self._user_json(user_id)}
        if status == "administrator":
            member.update(ADMIN_RIGHTS)
        if status == "creator":
            member["is_anonymous"] = False
        return member

    async def _m_answercallbackquery(self, params: dict[str, Any]) -> Any:
        if not str(params.get("callback_query_id", "")).startswith("cq"):
            raise ApiError(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(params.get("text", ""))) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.answers.append(str(params.get("text", "")))
        return True

    def _checked_text(self, params: dict[str, Any]) -> str:
        """The visible text of an outgoing message, validated like Telegram does."""
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        parse_mode = params.get("parse_mode")
        if parse_mode is not None and parse_mode != "HTML":
            raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode} in this fake")
        visible = text
        if parse_mode == "HTML":
            try:
                visible = parse_html(text).text
            except EntityParseError as exc:
                raise ApiError(400, f"Bad Request: {exc}") from exc
        if not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(visible) > MESSAGE_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        self._check_markup(params.get("reply_markup"))
        self._check_preview(params.get("link_preview_options"))
        return visible

    @staticmethod
    def _check_preview(options: Any) -> None:
        """LinkPreviewOptions as the Bot API documents them (unknown fields and conflicts refused)."""
        if options is None:
            return
        known = {"is_disabled", "url", "prefer_small_media", "prefer_large_media", "show_above_text"}
        if not isinstance(options, dict) or set(options) - known:
            raise ApiError(400, "Bad Request: can't parse link preview options")
        if options.get("prefer_small_media") and options.get("prefer_large_media"):
            raise ApiError(400, "Bad Request: can't prefer both small and large media")
        url = options.get("url")
        if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
            raise ApiError(400, "Bad Request: invalid link preview URL")

    @staticmethod
    def _check_markup(markup: dict[str, Any] | None) -> None:
        if markup is None:
            return
        buttons = [button for row in markup.get("inline_keyboard", []) for button in row]
        if len(buttons) > 100:
            raise ApiError(400, "Bad Request: reply markup is too long")
        for button in buttons:
            if not str(button.get("text", "")).strip():
                raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data", "")
            if not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    async def _m_editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        chat = self._chat_for_send(params)
        message_id = int(params.get("message_id", 0))
        target = next((m for m in self.sent if m.message_id == message_id and m.chat_id == chat.id), None)
        if target is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        self._check_markup(params.get("reply_markup"))
        if params.get("reply_markup") == target.params.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        target.params = {**target.params, "reply_markup": params.get("reply_markup")}
        self.markup_edits.append(target)
        return self._message_json(message_id, chat, target.visible_text)

    async def _m_editmessagetext(self, params: dict[str, Any]) -> Any:
        chat = self._chat_for_send(params)
        message_id = int(params.get("message_id", 0))
        target = next((m for m in self.sent if m.message_id == message_id and m.chat_id == chat.id), None)
        if target is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        visible = self._checked_text(params)
        if visible == target.visible_text and params.get("reply_markup") == target.params.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        target.text, target.visible_text, target.params = params["text"], visible, params
        self.edits.append(target)
        return self._message_json(message_id, chat, visible)

    def _message_json(self, message_id: int, chat: Chat, visible: str) -> dict[str, Any]:
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat_json(chat),
            "from": self._bot_user(),
            "text": visible,
        }

    async def _m_sendchataction(self, params: dict[str, Any]) -> Any:
        chat = self._chat_for_send(params)
        action = params.get("action")
        if action not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self.actions.append((chat.id, str(action)))
        return True

    def _check_group_rate(self, chat: Chat) -> None:
        if not self.group_messages_per_minute or chat.type not in {"group", "supergroup"}:
            return
        now = time.monotonic()
        recent = [t for t in self._group_sends.get(chat.id, []) if t > now - 60]
        if len(recent) >= self.group_messages_per_minute:
            self.rate_limited.append(chat.id)
            wait = max(1, int(recent[0] + 60 - now) + 1)
            raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
        self._group_sends[chat.id] = [*recent, now]

    async def _m_sendmessage(self, params: dict[str, Any]) -> Any:
        chat = self._chat_for_send(params)
        self._check_group_rate(chat)
        visible = self._checked_text(params)
        text = params["text"]
        parse_mode = params.get("parse_mode")
        message_id = next(self._message_ids)
        message = SentMessage(message_id, chat.id, text, visible, parse_mode, params, time.monotonic())
        async with self._new_message:
            self.sent.append(message)
            self._new_message.notify_all()
        return self._message_json(message_id, chat, visible)
