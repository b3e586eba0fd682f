"""/subscribe, /unsubscribe and /topics, and the topics list's unsubscribe buttons."""

from __future__ import annotations

import hashlib

from bot.core.models import Button, Span, TextReply, bold, code
from bot.core.text import shorten
from bot.core.topics import EXAMPLE_CATEGORY, EXAMPLE_QUERY, Topic, TopicError, parse_topic
from bot.store.chats import SubscribeResult
from handlers.context import ButtonAnswer, CommandContext
from handlers.permissions import refusal

UNSUBSCRIBE_PREFIX = "unsub:"
ECHO_LIMIT = 80


def topic_from_canonical(canonical: str) -> Topic:
    """A stored canonical topic back as a Topic (canonical forms always parse to themselves)."""
    return parse_topic(canonical)


def topic_token(canonical: str) -> str:
    """A short stable token naming a topic in button payloads (Telegram allows 64 bytes)."""
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def examples() -> list[Span | str]:
    """Spans showing topics that work."""
    return [code(f"/subscribe {EXAMPLE_CATEGORY}"), " or ", code(f"/subscribe {EXAMPLE_QUERY}")]


def topic_error_reply(text: str, error: TopicError) -> TextReply:
    """Why a topic cannot be used, with examples."""
    shown = shorten(" ".join(text.split()), ECHO_LIMIT)
    return TextReply.error("I can't use ", code(shown), f" as a topic: {error}. Try ", *examples(), ".")


def cannot_post_reply(missing: tuple[str, ...]) -> TextReply:
    """Why the bot will not subscribe a chat it could not post digests to, naming what it lacks."""
    return TextReply.error(
        "I can't post digests here: I'm missing ",
        bold(", ".join(missing)),
        ". Please ask someone who manages this chat to grant ",
        "it" if len(missing) == 1 else "them",
        ", then try ",
        code(f"/subscribe {EXAMPLE_CATEGORY}"),
        " again.",
    )


def _schedule(ctx_time: str, timezone: str) -> str:
    return f"daily at {ctx_time} ({timezone})"


async def subscribe(ctx: CommandContext) -> TextReply:
    """Follow a category or keyword query."""
    if not ctx.args.strip():
        return TextReply.error(
            "Tell me what to follow: an arXiv category or a keyword query, for example ", *examples(), "."
        )
    try:
        topic = parse_topic(ctx.args)
    except TopicError as exc:
        return topic_error_reply(ctx.args, exc)
    if (refused := await refusal(ctx)) is not None:
        return refused
    return await _subscribe(ctx, topic)


async def _subscribe(ctx: CommandContext, topic: Topic) -> TextReply:
    """Subscribe a valid topic for a sender who may: unless the bot could not post here."""
    if missing := await ctx.missing_rights():
        return cannot_post_reply(missing)
    state = await ctx.ensure_state()
    limit = ctx.services.config.max_topics_per_chat
    result = await ctx.services.chats.subscribe(ctx.chat, topic.canonical, limit)
    if result is SubscribeResult.ALREADY:
        return TextReply.error("This chat already follows ", bold(topic.label), ".")
    if result is SubscribeResult.LIMIT:
        return TextReply.error(
            f"This chat already follows {limit} topics, the most it can. Remove one first with ",
            code("/unsubscribe <topic>"),
            " (",
            code("/topics"),
            " lists them).",
        )
    count = len(await ctx.services.chats.topics(ctx.chat))
    note = " Digests are paused; /resume restarts them." if state.settings.paused else ""
    return TextReply.of(
        "✅ Subscribed to ",
        bold(topic.label),
        f". New papers arrive {_schedule(state.settings.time, state.settings.timezone)}. "
        f"This chat follows {_count(count)}; ",
        code("/topics"),
        f" lists them.{note}",
    )


async def unsubscribe(ctx: CommandContext) -> TextReply:
    """Stop following one topic, or all of them."""
    args = ctx.args.strip()
    if not args:
        return TextReply.error(
            "Tell me which topic to drop, for example ",
            code(f"/unsubscribe {EXAMPLE_CATEGORY}"),
            ", or ",
            code("/unsubscribe all"),
            ". ",
            code("/topics"),
            " lists them with buttons.",
        )
    if args.lower() == "all":
        return await _unsubscribe_all(ctx)
    try:
        topic = parse_topic(args)
    except TopicError as exc:
        return topic_error_reply(args, exc)
    if (refused := await refusal(ctx)) is not None:
        return refused
    if not await ctx.services.chats.unsubscribe(ctx.chat, topic.canonical):
        return TextReply.error(
            "This chat doesn't follow ", bold(topic.label), ". ", code("/topics"), " lists what it follows."
        )
    return TextReply.of("Unsubscribed from ", bold(topic.label), ".")


async def _unsubscribe_all(ctx: CommandContext) -> TextReply:
    if (refused := await refusal(ctx)) is not None:
        return refused
    removed = await ctx.services.chats.unsubscribe_all(ctx.chat)
    if not removed:
        return TextReply.error("This chat follows no topics.")
    labels = ", ".join(topic_from_canonical(t).label for t in removed)
    return TextReply.of(f"Unsubscribed from all {_count(len(removed))}: ", bold(labels), ".")


def _count(n: int) -> str:
    return f"{n} topic{'s' if n != 1 else ''}"


async def topics(ctx: CommandContext) -> TextReply:
    """The chat's topics, each with an unsubscribe button."""
    return await topics_reply(ctx)


async def topics_reply(ctx: CommandContext) -> TextReply:
    """The /topics message (also used to refresh it after a button press)."""
    canonical = await ctx.services.chats.topics(ctx.chat)
    if not canonical:
        return TextReply.of("This chat follows no topics yet. Try ", *examples(), ".")
    found = [topic_from_canonical(t) for t in canonical]
    spans: list[Span | str] = [
        bold(f"This chat follows {_count(len(found))}"),
        "\n",
    ]
    for topic in found:
        spans += ["• ", code(topic.canonical)]
        if topic.kind == "category":
            spans.append(f" — {topic.label.split(' (', 1)[1].rstrip(')')}")
        spans.append("\n")
    spans += ["\nTap a button to unsubscribe, or send ", code("/unsubscribe <topic>"), "."]
    buttons = tuple(
        Button(f"✖ {shorten(t.canonical, 40)}", UNSUBSCRIBE_PREFIX + topic_token(t.canonical)) for t in found
    )
    return TextReply.of(*spans, buttons=buttons)


async def unsubscribe_button(ctx: CommandContext, token: str) -> ButtonAnswer:
    """A pressed unsubscribe button: a short notice, and the /topics message refreshed."""
    if (refused := await refusal(ctx)) is not None:
        return ButtonAnswer(refused.plain_text())
    for canonical in await ctx.services.chats.topics(ctx.chat):
        if topic_token(canonical) == token:
            await ctx.services.chats.unsubscribe(ctx.chat, canonical)
            label = topic_from_canonical(canonical).label
            return ButtonAnswer(f"Unsubscribed from {label}", await topics_reply(ctx))
    return ButtonAnswer("That topic was already removed.", await topics_reply(ctx))
