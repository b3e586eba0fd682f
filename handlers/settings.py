"""/settings, /pause and /resume."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.cards.layout import format_day
from bot.core.chat_settings import (
    EXAMPLES,
    SETTING_KEYS,
    ChatSettings,
    SettingError,
    parse_setting,
    setting_name,
    tzinfo_for,
)
from bot.core.i18n import _, fill, ngettext, using
from bot.core.languages import language_name
from bot.core.models import Span, TextReply, bold, code
from bot.core.timing import next_run
from handlers.context import CommandContext
from handlers.permissions import refusal


def _describe(settings: ChatSettings) -> list[Span | str]:
    values = {
        "language": f"{settings.language} ({_(language_name(settings.language))})",
        "time": settings.time,
        "timezone": settings.timezone,
        "max_papers": str(settings.max_papers),
        "style": settings.style,
        "min_score": "off" if settings.min_score is None else f"{settings.min_score:.2f}",
    }
    spans: list[Span | str] = []
    for key in SETTING_KEYS:
        spans += ["• ", code(key), f": {values[key]}\n"]
    status = _("paused") if settings.paused else _("active")
    spans += ["• ", _("digests: {status}").format(status=status), "\n"]
    return spans


async def settings(ctx: CommandContext) -> TextReply:
    """Show the settings, or change one: /settings <key> <value>."""
    args = ctx.args.strip()
    if not args:
        state = await ctx.state()
        current = state.settings if state else ctx.defaults()
        template = _("Change one with {command}, e.g. {time} or {style}.")
        return TextReply.of(
            bold(_("Settings of this chat")),
            "\n",
            *_describe(current),
            "\n",
            *fill(
                template,
                command=code("/settings <key> <value>"),
                time=code(EXAMPLES["time"]),
                style=code(EXAMPLES["style"]),
            ),
            personal=True,
        )
    key, _space, value = args.partition(" ")
    try:
        name, canonical = parse_setting(key, value)
    except SettingError as exc:
        template = _("That didn't work: {reason}. For example: {example}.")
        example = EXAMPLES.get(setting_name(key), EXAMPLES["timezone"])
        return TextReply.error(*fill(template, reason=str(exc), example=code(example)))
    if (refused := await refusal(ctx)) is not None:
        return refused
    await ctx.ensure_state()
    state = await ctx.services.chats.set_setting(ctx.chat, name, canonical)
    if name == "language":  # the answer is already in the chat's new language
        with using(canonical):
            return _changed(name, f"{canonical} ({_(language_name(canonical))})")
    extra = ""
    if name in {"time", "timezone"}:
        zone = state.settings.timezone
        upcoming = next_run(datetime.now(UTC), state.settings.time, zone).astimezone(tzinfo_for(zone))
        when = f"{format_day(upcoming.date())} {upcoming:%H:%M}"
        extra = " " + _("Digests arrive daily at {time} ({zone}); the next one {when}.").format(
            time=state.settings.time, zone=zone, when=when
        )
    return _changed(name, canonical, extra)


def _changed(name: str, shown: str, extra: str = "") -> TextReply:
    spans = fill(_("✅ {setting} is now {value}."), setting=code(name), value=bold(shown))
    return TextReply.of(*spans, extra, personal=True)


async def _set_paused(ctx: CommandContext, *, paused: bool) -> TextReply:
    if (refused := await refusal(ctx)) is not None:
        return refused
    state = await ctx.ensure_state()
    if state.settings.paused == paused:
        return TextReply.error(
            _("Digests are already paused.") if paused else _("Digests are already active.")
        )
    if not paused:
        await ctx.services.restart_digests(ctx.chat)  # before unpausing: no round may read the pause's papers
    await ctx.services.chats.set_setting(ctx.chat, "paused", "1" if paused else "0")
    count = len(await ctx.services.chats.topics(ctx.chat))
    if paused:
        template = ngettext(
            "⏸ Digests paused. Your {count} topic is kept; {resume} restarts them.",
            "⏸ Digests paused. Your {count} topics are kept; {resume} restarts them.",
            count,
        )
        return TextReply.of(*fill(template, count=str(count), resume=code("/resume")))
    template = ngettext(
        "▶️ Digests resumed for {count} topic, daily at {time} ({timezone}). They start from now: "
        "papers announced while digests were paused are not sent.",
        "▶️ Digests resumed for {count} topics, daily at {time} ({timezone}). They start from now: "
        "papers announced while digests were paused are not sent.",
        count,
    )
    return TextReply.of(
        template.format(count=count, time=state.settings.time, timezone=state.settings.timezone)
    )


async def pause(ctx: CommandContext) -> TextReply:
    """Stop daily digests, keeping the topics."""
    return await _set_paused(ctx, paused=True)


async def resume(ctx: CommandContext) -> TextReply:
    """Restart daily digests."""
    return await _set_paused(ctx, paused=False)
