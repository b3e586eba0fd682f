"""Suggestions while a user types a command's argument (Discord's autocomplete), platform-neutral.

Each completer takes the context, what was typed so far and the other arguments already filled in, and
returns at most MAX_CHOICES choices, best first. A choice only suggests: whatever the user finally sends
is validated by the command itself, so a typed keyword query is accepted as is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from bot.core.chat_settings import ISO_639_1, STYLES, timezone_names
from bot.core.i18n import _, ngettext, using
from bot.core.languages import language_name
from bot.core.text import shorten
from bot.core.topics import TopicError, parse_topic
from bot.core.topics.taxonomy import complete_category
from handlers.context import CommandContext
from handlers.subscriptions import stored_label

MAX_CHOICES = 25  # Discord's limit
LABEL_LIMIT = 100  # Discord's limit on a choice's name and on a string choice's value
ALL_TOPICS = "all"


@dataclass(frozen=True, slots=True)
class Choice:
    """One suggestion: what the user sees, and what is sent when they pick it."""

    label: str
    value: str


Completer = Callable[[CommandContext, str, Mapping[str, str]], Awaitable[list[Choice]]]


def _choice(label: str, value: str) -> Choice | None:
    """A choice within the limits; None for a value too long to be one (it can still be typed)."""
    if not value or len(value) > LABEL_LIMIT:
        return None
    return Choice(shorten(label, LABEL_LIMIT), value)


def _ranked(typed: str, candidates: list[tuple[str, str]]) -> list[Choice]:
    """(label, value) candidates whose value or label contains `typed`: prefix matches of the value first."""
    needle = typed.strip().lower()
    starts = [c for c in candidates if c[1].lower().startswith(needle)]
    contains = [c for c in candidates if c not in starts and needle in f"{c[1]} {c[0]}".lower()]
    found = (_choice(label, value) for label, value in starts + contains)
    return [choice for choice in found if choice is not None][:MAX_CHOICES]


async def topic_choices(ctx: CommandContext, typed: str, _filled: Mapping[str, str]) -> list[Choice]:
    """Categories and archives matching what was typed; a typed keyword query is offered as it is."""
    choices = [Choice(label, code) for code, label in complete_category(typed, MAX_CHOICES)]
    stripped = " ".join(typed.split())
    if stripped and all(choice.value.lower() != stripped.lower() for choice in choices):
        try:
            topic = parse_topic(stripped)
        except TopicError:
            return choices
        with using(await ctx.language()):
            label = _("{query} (keyword query)").format(query=topic.canonical)
        own = _choice(label, stripped) if topic.kind == "query" else None
        if own is not None:  # after the categories: a matching category is the likelier intent
            choices = [*choices[: MAX_CHOICES - 1], own]
    return choices


async def own_topic_choices(ctx: CommandContext, typed: str, _filled: Mapping[str, str]) -> list[Choice]:
    """The chat's own topics matching what was typed, and `all`."""
    followed = await ctx.services.chats.topics(ctx.chat)
    candidates: list[tuple[str, str]] = []
    for canonical in followed:
        candidates.append((stored_label(canonical), canonical))
    if followed:
        with using(await ctx.language()):
            label = ngettext("all ({count} topic)", "all ({count} topics)", len(followed))
        candidates.append((label.format(count=len(followed)), ALL_TOPICS))
    return _ranked(typed, candidates)


def _language_choices(typed: str) -> list[Choice]:
    codes = sorted(ISO_639_1)
    named = [(f"{code} — {language_name(code)}", code) for code in codes if language_name(code) != code]
    rest = [(code, code) for code in codes if language_name(code) == code]
    return _ranked(typed, named + rest)


def _timezone_choices(typed: str) -> list[Choice]:
    needle = typed.strip()
    if not needle:
        common = ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles"]
        common += ["Asia/Shanghai", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney", "UTC+8"]
        return [Choice(zone, zone) for zone in common]
    return _ranked(needle.replace(" ", "_"), [(zone, zone) for zone in timezone_names()])


async def setting_value_choices(_ctx: CommandContext, typed: str, filled: Mapping[str, str]) -> list[Choice]:
    """Values for the setting named in the `key` argument: time zones, languages and styles."""
    key = filled.get("key", "").strip().lower()
    if key == "timezone":
        return _timezone_choices(typed)
    if key == "language":
        return _language_choices(typed)
    if key == "style":
        return _ranked(typed, [(style, style) for style in STYLES])
    return []
