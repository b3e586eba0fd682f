"""Discord's rules, as the fake enforces them: message and embed limits, components, command registration,
autocomplete answers, and how a member's permissions in a channel are computed from roles and overwrites.

Each check raises DiscordError with the status and JSON error code Discord answers with.
"""

from __future__ import annotations

import re
from typing import Any

LIMITS = {
    "title": 256,
    "description": 4096,
    "footer": 2048,
    "author": 256,
    "field_name": 256,
    "field_value": 1024,
}
CONTENT_LIMIT = 2000
EPHEMERAL = 1 << 6

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
SEND_TTS_MESSAGES = 1 << 12
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
MENTION_EVERYONE = 1 << 17
READ_MESSAGE_HISTORY = 1 << 16
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 51) - 1
EVERYONE_DEFAULT = (
    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY | SEND_MESSAGES_IN_THREADS
)

TEXT, DM, ANNOUNCEMENT, ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD = 0, 1, 5, 10, 11, 12
THREADS = {ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD}

_NAME = re.compile(r"^[-_\w]{1,32}$")  # \w covers letters and digits of every script


class DiscordError(Exception):
    """An error answer: HTTP status, Discord's JSON error code and message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def invalid(message: str) -> DiscordError:
    """Discord's answer to a body that breaks a rule (400, code 50035 Invalid Form Body)."""
    return DiscordError(400, 50035, f"Invalid Form Body: {message}")


# ----- messages ------------------------------------------------------------------------------------
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
            raise invalid(f"embeds.{name} must be {LIMITS[name]} or fewer in length")
    if "url" in embed and not str(embed["url"]).startswith(("http://", "https://")):
        raise invalid("embeds.url: Not a well formed URL")
    fields = embed.get("fields", [])
    if len(fields) > 25:
        raise invalid("embeds.fields must be 25 or fewer")
    for item in fields:
        name, value = item.get("name", ""), item.get("value", "")
        if not name or not value:
            raise invalid("embeds.fields need a name and a value")
        if len(name) > LIMITS["field_name"] or len(value) > LIMITS["field_value"]:
            raise invalid("embeds.fields too long")


def check_components(rows: list[dict[str, Any]]) -> None:
    """Action rows of buttons: at most 5 rows of 5, labels ≤ 80, unique custom ids of 1-100 characters."""
    if len(rows) > 5:
        raise invalid("components must be 5 or fewer")
    seen: set[str] = set()
    for row in rows:
        if row.get("type") != 1 or not 1 <= len(row.get("components", [])) <= 5:
            raise invalid("components.action_row must hold 1 to 5 components")
        for button in row["components"]:
            if button.get("type") != 2:
                raise invalid("components: only buttons are expected here")
            if len(button.get("label", "")) > 80:
                raise invalid("components.label must be 80 or fewer in length")
            custom_id = button.get("custom_id")
            if button.get("style") == 5:
                if not button.get("url") or custom_id:
                    raise invalid("components: a link button has a url and no custom_id")
                continue
            if not isinstance(custom_id, str) or not 1 <= len(custom_id) <= 100:
                raise invalid("components.custom_id must be 1 to 100 characters")
            if custom_id in seen:
                raise invalid("components.custom_id: Component custom id cannot be duplicated")
            seen.add(custom_id)


def check_message(body: dict[str, Any], *, interaction: bool = False) -> None:
    """A message body as `POST /channels/{id}/messages`, a webhook or an interaction response takes it."""
    content = body.get("content") or ""
    embeds = body.get("embeds") or []
    components = body.get("components") or []
    if not content and not embeds and not components:
        raise DiscordError(400, 50006, "Cannot send an empty message")
    if len(content) > CONTENT_LIMIT:
        raise invalid("content must be 2000 or fewer in length")
    if len(embeds) > 10:
        raise invalid("embeds must be 10 or fewer")
    for embed in embeds:
        check_embed(embed)
    if sum(embed_total(e) for e in embeds) > 6000:
        raise invalid("embeds exceed 6000 characters in total")
    check_components(components)
    nonce = body.get("nonce")
    if nonce is not None and len(str(nonce)) > 25:
        raise invalid("nonce must be 25 or fewer in length")
    flags = int(body.get("flags") or 0)
    if flags & EPHEMERAL and not interaction:
        raise invalid("flags: ephemeral messages only exist as interaction responses")
    mentions = body.get("allowed_mentions")
    if mentions is not None and not isinstance(mentions.get("parse", []), list):
        raise invalid("allowed_mentions.parse must be a list")


# ----- application commands ----------------------------------------------------------------------
LOCALES = frozenset(
    [
        "id",
        "da",
        "de",
        "en-GB",
        "en-US",
        "es-ES",
        "es-419",
        "fr",
        "hr",
        "it",
        "lt",
        "hu",
        "nl",
        "no",
        "pl",
        "pt-BR",
        "ro",
        "fi",
        "sv-SE",
        "vi",
        "tr",
        "cs",
        "el",
        "bg",
        "ru",
        "uk",
        "hi",
        "th",
        "zh-CN",
        "ja",
        "zh-TW",
        "ko",
    ]
)


def _check_localizations(item: dict[str, Any], where: str, *, chat_input_name: bool) -> None:
    """name_localizations and description_localizations: known locales, and values by the field's rules."""
    for key, limit in (("name_localizations", 32), ("description_localizations", 100)):
        found = item.get(key) or {}
        if not isinstance(found, dict):
            raise invalid(f"{where}.{key} must be an object")
        for locale, value in found.items():
            if locale not in LOCALES:
                raise invalid(f"{where}.{key}: {locale!r} is not a valid locale")
            if not isinstance(value, str) or not 1 <= len(value) <= limit:
                raise invalid(f"{where}.{key}.{locale} must be 1 to {limit} characters")
            if key == "name_localizations" and chat_input_name and not _NAME.match(value):
                raise invalid(f"{where}.{key}.{locale} must be lower-case letters, digits, - or _")


def _check_option(option: dict[str, Any], where: str) -> None:
    name, description = option.get("name", ""), option.get("description", "")
    if not _NAME.match(name) or name != name.lower():
        raise invalid(f"{where}.name {name!r} must be 1-32 lower-case letters, digits, - or _")
    if not 1 <= len(description) <= 100:
        raise invalid(f"{where}.description must be 1 to 100 characters")
    _check_localizations(option, where, chat_input_name=True)
    if option.get("type") not in range(1, 12):
        raise invalid(f"{where}.type is not an option type")
    choices = option.get("choices") or []
    if len(choices) > 25:
        raise invalid(f"{where}.choices must be 25 or fewer")
    if choices and option.get("autocomplete"):
        raise invalid(f"{where}: autocomplete cannot be set with choices")
    for choice in choices:
        if not 1 <= len(choice.get("name", "")) <= 100 or len(str(choice.get("value", ""))) > 100:
            raise invalid(f"{where}.choices: names of 1-100 characters, values of at most 100")


def check_commands(commands: list[dict[str, Any]]) -> None:
    """A bulk overwrite of application commands, by Discord's registration rules."""
    seen: set[tuple[int, str]] = set()
    chat_input = 0
    for index, command in enumerate(commands):
        where = f"{index}"
        kind, name = command.get("type", 1), command.get("name", "")
        if (kind, name) in seen:
            raise invalid(f"{where}.name: Application command names must be unique")
        seen.add((kind, name))
        _check_localizations(command, where, chat_input_name=kind == 1)
        if kind == 1:
            chat_input += 1
            if not _NAME.match(name) or name != name.lower():
                raise invalid(f"{where}.name {name!r} must be 1-32 lower-case letters, digits, - or _")
            if not 1 <= len(command.get("description", "")) <= 100:
                raise invalid(f"{where}.description must be 1 to 100 characters")
            options = command.get("options") or []
            if len(options) > 25:
                raise invalid(f"{where}.options must be 25 or fewer")
            required = [bool(option.get("required")) for option in options]
            if required != sorted(required, reverse=True):
                raise invalid(f"{where}.options: required options must be placed before non-required options")
            for n, option in enumerate(options):
                _check_option(option, f"{where}.options.{n}")
        elif kind in {2, 3}:
            if not 1 <= len(name) <= 32 or command.get("description") or command.get("options"):
                raise invalid(
                    f"{where}: user and message commands have a 1-32 character name and nothing else"
                )
        else:
            raise invalid(f"{where}.type is not a command type")
        size = (
            len(name)
            + len(command.get("description", ""))
            + sum(
                len(o.get("name", "")) + len(o.get("description", "")) for o in command.get("options") or []
            )
        )
        if size > 4000:
            raise invalid(f"{where}: names and descriptions exceed 4000 characters")
    if chat_input > 100:
        raise invalid("at most 100 chat input commands")


def check_choices(data: dict[str, Any]) -> None:
    """An autocomplete answer: at most 25 choices, names of 1-100 characters, string values ≤ 100."""
    choices = data.get("choices")
    if not isinstance(choices, list) or len(choices) > 25:
        raise invalid("data.choices must be a list of 25 or fewer")
    for choice in choices:
        if not 1 <= len(choice.get("name", "")) <= 100 or len(str(choice.get("value", ""))) > 100:
            raise invalid("data.choices: names of 1-100 characters, values of at most 100")


# ----- permissions -------------------------------------------------------------------------------
def compute_permissions(
    *,
    guild_id: int,
    owner_id: int,
    roles: dict[int, int],
    member_id: int,
    member_roles: list[int],
    overwrites: list[dict[str, Any]],
) -> int:
    """A member's permissions in a channel, as Discord computes them (roles, then overwrites)."""
    if member_id == owner_id:
        return ALL_PERMISSIONS
    base = roles.get(guild_id, 0)  # @everyone has the guild's id
    for role in member_roles:
        base |= roles.get(role, 0)
    if base & ADMINISTRATOR:
        return ALL_PERMISSIONS
    by_id = {int(o["id"]): o for o in overwrites}
    everyone = by_id.get(guild_id)
    if everyone is not None:
        base = (base & ~int(everyone["deny"])) | int(everyone["allow"])
    allow = deny = 0
    for role in member_roles:
        if (overwrite := by_id.get(role)) is not None and overwrite.get("type", 0) == 0:
            allow, deny = allow | int(overwrite["allow"]), deny | int(overwrite["deny"])
    base = (base & ~deny) | allow
    member = by_id.get(member_id)
    if member is not None and member.get("type") == 1:
        base = (base & ~int(member["deny"])) | int(member["allow"])
    if not base & VIEW_CHANNEL:
        return 0  # a channel one cannot see grants nothing in it
    if not base & SEND_MESSAGES:  # implicit: who cannot post cannot embed, attach or mention everyone either
        base &= ~(EMBED_LINKS | ATTACH_FILES | MENTION_EVERYONE | SEND_TTS_MESSAGES)
    return base
