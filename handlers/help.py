"""/start and /help."""

from __future__ import annotations

from bot.arxiv_ids import EXAMPLE_ID, EXAMPLE_URL
from bot.models import Reply, TextReply, bold, code
from handlers.context import CommandContext


def help_reply() -> TextReply:
    """The command overview with examples."""
    return TextReply.of(
        bold("arXiv digest bot"),
        "\nI turn arXiv papers into short summary cards: a one-line TL;DR, a summary, key takeaways "
        "and links.\n\n",
        bold("Commands"),
        "\n",
        code(f"/summarize {EXAMPLE_ID}"),
        " — a card for one paper (an id or an arxiv.org link)\n",
        code("/help"),
        " — this message\n\nIn a private chat you can also just send me a link such as ",
        code(EXAMPLE_URL),
        ".",
    )


async def start(_ctx: CommandContext) -> Reply:
    """Greet a new chat."""
    return help_reply()


async def help_command(_ctx: CommandContext) -> Reply:
    """List the commands with examples."""
    return help_reply()
