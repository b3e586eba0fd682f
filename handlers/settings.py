"""/settings, /pause and /resume."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.chat_settings import (
    EXAMPLES,
    SETTING_KEYS,
    ChatSettings,
    SettingError,
    parse_setting,
    tzinfo_for,
)
from bot.core.languages import language_name
from bot.core.models import Span, TextReply, bold, code
from bot.core.timing import next_run
from handlers.context import CommandContext
from handlers.permissions import refusal


def _describe(settings: ChatSettings) -> list[Span | str]:
    values = {
        "language": f"{settings.language} ({language_name(settings.language)})",
        "time": settings.time,
        "timezone": settings.timezone,
        "max_papers": str(settings.max_papers),
        "style": settings.style,
        "min_score": "off" if settings.min_score is None else f"{settings.min_score:.2f}",
    }
    spans: list[Span | str] = []
    for key in SETTING_KEYS:
        spans += ["• ", code(key), f": {values[key]}\n"]
    spans += ["• digests: ", "paused" if settings.paused else "active", "\n"]
    return spans


async def settings(ctx: CommandContext) -> TextReply:
    """Show the settings, or change one: /settings <key> <value>."""
    args = ctx.args.strip()
    if not args:
        state = await ctx.state()
        current = state.settings if state else ctx.defaults()
        return TextReply.of(
            bold("Settings of this chat"),
            "\n",
            *_describe(current),
            "\nChange one with ",
            code("/settings <key> <value>"),
            ", e.g. ",
            code(EXAMPLES["time"]),
            " or ",
            code(EXAMPLES["style"]),
            ".",
            personal=True,
        )
    key, _, value = args.partition(" ")
    try:
        name, canonical = parse_setting(key, value)
    except SettingError as exc:
        return TextReply.error(f"That didn't work: {exc}. For example: ", code(EXAMPLES["timezone"]), ".")
    if (refused := await refusal(ctx)) is not None:
        return refused
    await ctx.ensure_state()
    state = await ctx.services.chats.set_setting(ctx.chat, name, canonical)
    shown = f"{canonical} ({language_name(canonical)})" if name == "language" else canonical
    extra = ""
    if name in {"time", "timezone"}:
        zone = state.settings.timezone
        upcoming = next_run(datetime.now(UTC), state.settings.time, zone).astimezone(tzinfo_for(zone))
        when = f"{upcoming:%a %d %b %H:%M}"
        extra = f" Digests arrive daily at {state.settings.time} ({zone}); the next one {when}."
    return TextReply.of("✅ ", code(name), " is now ", bold(shown), f".{extra}", personal=True)


async def _set_paused(ctx: CommandContext, *, paused: bool) -> TextReply:
    if (refused := await refusal(ctx)) is not None:
        return refused
    state = await ctx.ensure_state()
    if state.settings.paused == paused:
        return TextReply.error("Digests are already paused." if paused else "Digests are already active.")
    if not paused:
        await ctx.services.restart_digests(ctx.chat)  # before unpausing: no round may read the pause's papers
    await ctx.services.chats.set_setting(ctx.chat, "paused", "1" if paused else "0")
    count = len(await ctx.services.chats.topics(ctx.chat))
    if paused:
        return TextReply.of(
            f"⏸ Digests paused. Your {count} topic(s) are kept; ", code("/resume"), " restarts them."
        )
    return TextReply.of(
        f"▶️ Digests resumed for {count} topic(s), daily at {state.settings.time} "
        f"({state.settings.timezone}). They start from now: papers announced while digests were paused "
        "are not sent."
    )


async def pause(ctx: CommandContext) -> TextReply:
    """Stop daily digests, keeping the topics."""
    return await _set_paused(ctx, paused=True)


async def resume(ctx: CommandContext) -> TextReply:
    """Restart daily digests."""
    return await _set_paused(ctx, paused=False)
