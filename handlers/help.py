"""/start and /help."""

from __future__ import annotations

from bot.core.arxiv_ids import EXAMPLE_ID, EXAMPLE_URL
from bot.core.models import Reply, TextReply, bold, code
from bot.core.topics import EXAMPLE_QUERY
from handlers.context import CommandContext


def help_reply() -> TextReply:
    """The command overview with examples."""
    return TextReply.of(
        bold("arXiv digest bot"),
        "\nI turn arXiv papers into short summary cards — a one-line TL;DR, a summary, key takeaways and "
        "links — and send the new papers of the topics you follow every day.\n\n",
        bold("Papers"),
        "\n",
        code(f"/summarize {EXAMPLE_ID}"),
        " — a card for one paper (an id or an arxiv.org link)\n\n",
        bold("Topics"),
        "\n",
        code("/subscribe cs.CL"),
        " — follow an arXiv category (or a whole archive: ",
        code("/subscribe math"),
        ")\n",
        code(f"/subscribe {EXAMPLE_QUERY}"),
        " — follow a keyword query (fields ti: abs: au: cat: all:, with AND, OR, ANDNOT)\n",
        code("/unsubscribe cs.CL"),
        " or ",
        code("/unsubscribe all"),
        "\n",
        code("/topics"),
        " — what this chat follows\n\n",
        bold("What you like"),
        "\n👍 and 👎 under digest cards, ",
        code(f"/like {EXAMPLE_ID}"),
        " and ",
        code(f"/dislike {EXAMPLE_ID}"),
        " order your next digests by what you like; ",
        code("/likes"),
        " lists them\n\n",
        bold("Settings"),
        "\n",
        code("/settings"),
        " — show them; change one with ",
        code("/settings language zh"),
        ", ",
        code("/settings time 08:30"),
        ", ",
        code("/settings timezone Asia/Shanghai"),
        ", ",
        code("/settings max_papers 20"),
        " or ",
        code("/settings style compact"),
        "\n",
        code("/digest"),
        " — this chat's digest now\n",
        code("/pause"),
        " and ",
        code("/resume"),
        " — stop and restart daily digests\n\n"
        "In groups and server channels only admins (on a server: members who can manage the channel) can "
        "change topics and settings. In a private chat you can also just send me a link such as ",
        code(EXAMPLE_URL),
        ".",
        personal=True,
    )


async def start(_ctx: CommandContext) -> Reply:
    """Greet a new chat."""
    return help_reply()


async def help_command(_ctx: CommandContext) -> Reply:
    """List the commands with examples."""
    return help_reply()
