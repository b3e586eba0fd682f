"""/subscribe, /unsubscribe and /topics, and the topics list's unsubscribe buttons."""

from __future__ import annotations

import hashlib

from bot.core.i18n import _, fill, ngettext
from bot.core.models import Button, Span, TextReply, bold, code
from bot.core.text import canonical_input, shorten
from bot.core.topics import EXAMPLE_CATEGORY, EXAMPLE_QUERY, Topic, TopicError, parse_topic, stored_topic
from bot.store.chats import SubscribeResult
from handlers.context import ButtonAnswer, CommandContext
from handlers.permissions import refusal

UNSUBSCRIBE_PREFIX = "unsub:"
ECHO_LIMIT = 80


def stored_label(canonical: str) -> str:
    """How a stored topic is named to users; its stored text when it no longer parses."""
    topic = stored_topic(canonical)
    return canonical if topic is None else topic.label


def topic_token(canonical: str) -> str:
    """A short stable token naming a topic in button payloads (Telegram allows 64 bytes)."""
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _examples() -> dict[str, Span]:
    """Topics that work, for the {category} and {query} placeholders."""
    return {
        "category": code(f"/subscribe {EXAMPLE_CATEGORY}"),
        "query": code(f"/subscribe {EXAMPLE_QUERY}"),
    }


def topic_error_reply(text: str, error: TopicError) -> TextReply:
    """Why a topic cannot be used, with examples."""
    shown = shorten(" ".join(text.split()), ECHO_LIMIT)
    template = _("I can't use {text} as a topic: {reason}. Try {category} or {query}.")
    return TextReply.error(*fill(template, text=code(shown), reason=str(error), **_examples()))


def cannot_post_reply(missing: tuple[str, ...]) -> TextReply:
    """Why the bot will not subscribe a chat it could not post digests to, naming what it lacks."""
    template = ngettext(
        "I can't post digests here: I'm missing {rights}. Please ask someone who manages this chat to grant "
        "it, then try {example} again.",
        "I can't post digests here: I'm missing {rights}. Please ask someone who manages this chat to grant "
        "them, then try {example} again.",
        len(missing),
    )
    return TextReply.error(
        *fill(template, rights=bold(", ".join(missing)), example=code(f"/subscribe {EXAMPLE_CATEGORY}"))
    )


async def subscribe(ctx: CommandContext) -> TextReply:
    """Follow a category or keyword query."""
    if not ctx.args.strip():
        template = _(
            "Tell me what to follow: an arXiv category or a keyword query, for example {category} or {query}."
        )
        return TextReply.error(*fill(template, **_examples()))
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
        return TextReply.error(*fill(_("This chat already follows {topic}."), topic=bold(topic.label)))
    if result is SubscribeResult.LIMIT:
        template = _(
            "This chat already follows {limit} topics, the most it can. Remove one first with {command} "
            "({topics} lists them)."
        )
        return TextReply.error(
            *fill(
                template.replace("{limit}", str(limit)),
                command=code("/unsubscribe <topic>"),
                topics=code("/topics"),
            )
        )
    count = len(await ctx.services.chats.topics(ctx.chat))
    template = ngettext(
        "✅ Subscribed to {topic}. New papers arrive daily at {time} ({timezone}). "
        "This chat follows {count} topic; {topics} lists them.",
        "✅ Subscribed to {topic}. New papers arrive daily at {time} ({timezone}). "
        "This chat follows {count} topics; {topics} lists them.",
        count,
    )
    spans = fill(
        template,
        topic=bold(topic.label),
        time=state.settings.time,
        timezone=state.settings.timezone,
        count=str(count),
        topics=code("/topics"),
    )
    if state.settings.paused:
        spans.append(" " + _("Digests are paused; /resume restarts them."))
    return TextReply.of(*spans)


async def unsubscribe(ctx: CommandContext) -> TextReply:
    """Stop following one topic, or all of them."""
    args = ctx.args.strip()
    if not args:
        template = _(
            "Tell me which topic to drop, for example {one}, or {all}. {topics} lists them with buttons."
        )
        return TextReply.error(
            *fill(
                template,
                one=code(f"/unsubscribe {EXAMPLE_CATEGORY}"),
                all=code("/unsubscribe all"),
                topics=code("/topics"),
            )
        )
    if args.lower() == "all":
        return await _unsubscribe_all(ctx)
    canonical = await _followed_as_typed(ctx, args)
    if canonical is None:
        try:
            canonical = parse_topic(args).canonical
        except TopicError as exc:
            return topic_error_reply(args, exc)
    if (refused := await refusal(ctx)) is not None:
        return refused
    label = stored_label(canonical)
    if not await ctx.services.chats.unsubscribe(ctx.chat, canonical):
        template = _("This chat doesn't follow {topic}. {topics} lists what it follows.")
        return TextReply.error(*fill(template, topic=bold(label), topics=code("/topics")))
    return TextReply.of(*fill(_("Unsubscribed from {topic}."), topic=bold(label)))


async def _followed_as_typed(ctx: CommandContext, args: str) -> str | None:
    """The chat's stored topic whose text was typed (copied from /topics), even one today's parser
    would refuse, so whatever is stored can always be removed by name."""
    typed = " ".join(canonical_input(args).split())
    followed = await ctx.services.chats.topics(ctx.chat)
    return next((canonical for canonical in followed if canonical == typed), None)


async def _unsubscribe_all(ctx: CommandContext) -> TextReply:
    if (refused := await refusal(ctx)) is not None:
        return refused
    removed = await ctx.services.chats.unsubscribe_all(ctx.chat)
    if not removed:
        return TextReply.error(_("This chat follows no topics."))
    labels = ", ".join(stored_label(t) for t in removed)
    template = ngettext(
        "Unsubscribed from all {count} topic: {topics}.",
        "Unsubscribed from all {count} topics: {topics}.",
        len(removed),
    )
    return TextReply.of(*fill(template, count=str(len(removed)), topics=bold(labels)))


async def topics(ctx: CommandContext) -> TextReply:
    """The chat's topics, each with an unsubscribe button."""
    return await topics_reply(ctx)


async def topics_reply(ctx: CommandContext) -> TextReply:
    """The /topics message (also used to refresh it after a button press)."""
    canonical = await ctx.services.chats.topics(ctx.chat)
    if not canonical:
        return TextReply.of(
            *fill(_("This chat follows no topics yet. Try {category} or {query}."), **_examples())
        )
    heading = ngettext("This chat follows {count} topic", "This chat follows {count} topics", len(canonical))
    spans: list[Span | str] = [bold(heading.format(count=len(canonical))), "\n"]
    for text in canonical:
        spans += ["• ", code(text)]
        topic = stored_topic(text)
        if topic is None:  # stored by an older release; kept visible so it can be removed
            unreadable = _("⚠ can no longer be read; digests skip it. Unsubscribe and subscribe again.")
            spans.append(" — " + unreadable)
        elif topic.kind == "category":
            spans.append(f" — {topic.label.split(' (', 1)[1].rstrip(')')}")
        spans.append("\n")
    spans += [
        "\n",
        *fill(_("Tap a button to unsubscribe, or send {command}."), command=code("/unsubscribe <topic>")),
    ]
    buttons = tuple(Button(f"✖ {shorten(t, 40)}", UNSUBSCRIBE_PREFIX + topic_token(t)) for t in canonical)
    return TextReply.of(*spans, buttons=buttons)


async def unsubscribe_button(ctx: CommandContext, token: str) -> ButtonAnswer:
    """A pressed unsubscribe button: a short notice, and the /topics message refreshed."""
    if (refused := await refusal(ctx, toast=True)) is not None:
        return ButtonAnswer(refused.plain_text())
    for canonical in await ctx.services.chats.topics(ctx.chat):
        if topic_token(canonical) == token:
            await ctx.services.chats.unsubscribe(ctx.chat, canonical)
            label = stored_label(canonical)
            return ButtonAnswer(_("Unsubscribed from {topic}").format(topic=label), await topics_reply(ctx))
    return ButtonAnswer(_("That topic was already removed."), await topics_reply(ctx))
