"""/start and /help."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from bot.core.arxiv_ids import EXAMPLE_ID, EXAMPLE_URL
from bot.core.i18n import _, fill
from bot.core.models import Reply, Span, TextReply, bold, code
from bot.core.text import shorten
from bot.core.topics import EXAMPLE_QUERY
from handlers.context import CommandContext


def help_reply() -> TextReply:
    """The command overview with examples."""
    spans: list[Span | str] = [bold(_("arXiv digest bot")), "\n"]
    spans.append(
        _(
            "I turn arXiv papers into short summary cards — a one-line TL;DR, a summary, key takeaways and "
            "links — and send the new papers of the topics you follow every day."
        )
    )
    spans += ["\n\n", bold(_("Papers")), "\n"]
    spans += fill(
        _("{command} — a card for one paper (an id or an arxiv.org link)"),
        command=code(f"/summarize {EXAMPLE_ID}"),
    )
    spans += ["\n\n", bold(_("Topics")), "\n"]
    spans += fill(
        _("{command} — follow an arXiv category (or a whole archive: {archive})"),
        command=code("/subscribe cs.CL"),
        archive=code("/subscribe math"),
    )
    spans.append("\n")
    spans += fill(
        _("{command} — follow a keyword query (fields ti: abs: au: cat: all:, with AND, OR, ANDNOT)"),
        command=code(f"/subscribe {EXAMPLE_QUERY}"),
    )
    spans.append("\n")
    spans += fill(_("{one} or {all}"), one=code("/unsubscribe cs.CL"), all=code("/unsubscribe all"))
    spans.append("\n")
    spans += fill(_("{command} — what this chat follows"), command=code("/topics"))
    spans += ["\n\n", bold(_("What you like")), "\n"]
    spans += fill(
        _(
            "👍 and 👎 under digest cards, {like} and {dislike} order your next digests by what you like; "
            "{likes} lists them"
        ),
        like=code(f"/like {EXAMPLE_ID}"),
        dislike=code(f"/dislike {EXAMPLE_ID}"),
        likes=code("/likes"),
    )
    spans += ["\n\n", bold(_("Settings")), "\n"]
    spans += fill(
        _("{command} — show them; change one with {language}, {time}, {timezone}, {max_papers} or {style}"),
        command=code("/settings"),
        language=code("/settings language zh"),
        time=code("/settings time 08:30"),
        timezone=code("/settings timezone Asia/Shanghai"),
        max_papers=code("/settings max_papers 20"),
        style=code("/settings style compact"),
    )
    spans.append("\n")
    spans += fill(_("{command} — this chat's digest now"), command=code("/digest"))
    spans.append("\n")
    spans += fill(
        _("{pause} and {resume} — stop and restart daily digests"),
        pause=code("/pause"),
        resume=code("/resume"),
    )
    spans.append("\n\n")
    spans += fill(
        _(
            "In groups and server channels only admins (on a server: members who can manage the channel) can "
            "change topics and settings. In a private chat you can also just send me a link such as {link}."
        ),
        link=code(EXAMPLE_URL),
    )
    return TextReply.of(*spans, personal=True)


async def start(_ctx: CommandContext) -> Reply:
    """Greet a new chat."""
    return help_reply()


async def help_command(_ctx: CommandContext) -> Reply:
    """List the commands with examples."""
    return help_reply()


def unknown_command_reply(typed: str, known: Sequence[str]) -> TextReply:
    """The answer to a command no entry owns (`typed` is the whole message): the closest command, with
    the arguments as they were typed, and /help."""
    word, _space, args = typed.strip().partition(" ")
    name = word.lstrip("/").split("@")[0]
    shown = code(shorten(word, 40))
    close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.6)
    if close:
        suggestion = code(shorten(f"/{close[0]} {args.strip()}".strip(), 80))
        template = _("I don't know the command {typed}. Did you mean {suggestion}? {help} lists them all.")
        return TextReply.error(*fill(template, typed=shown, suggestion=suggestion, help=code("/help")))
    template = _("I don't know the command {typed}. {help} lists what I can do.")
    return TextReply.error(*fill(template, typed=shown, help=code("/help")))
