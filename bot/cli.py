"""Command line: `python -m bot summarize …` prints a card, `python -m bot run` starts the bots."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import signal
import sys
from collections.abc import Sequence

from bot.arxiv_client import ArxivRejectedError, ArxivUnavailableError, PaperNotFoundError
from bot.arxiv_ids import EXAMPLE_ID, InvalidArxivIdError, parse_arxiv_id
from bot.codec import card_to_dict
from bot.logs import setup_logging
from bot.models import Card
from bot.render import markdown, plain, telegram_html
from bot.services import build_services
from bot.settings import ConfigError, Settings, load_settings

log = logging.getLogger("bot")

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
FORMATS = ("text", "markdown", "html", "json")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="arXiv summary cards for chats.")
    sub = parser.add_subparsers(dest="command", required=True)
    summarize = sub.add_parser("summarize", help="print the summary card of one paper")
    summarize.add_argument("paper", help=f"arXiv id or link, e.g. {EXAMPLE_ID}")
    summarize.add_argument(
        "--lang", default=None, help="ISO 639-1 language of the card (default DEFAULT_LANGUAGE)"
    )
    summarize.add_argument("--format", choices=FORMATS, default="text", help="output format (default text)")
    sub.add_parser("run", help="run the bot for every platform whose token is set")
    return parser


def render_card(card: Card, fmt: str) -> str:
    """One card in a CLI output format."""
    if fmt == "json":
        return json.dumps(card_to_dict(card), ensure_ascii=False, indent=2)
    if fmt == "markdown":
        return markdown.render_card(card)
    if fmt == "html":
        return "\n\n".join(telegram_html.render_cards([card]))
    return plain.render_card(card)


async def summarize_command(settings: Settings, paper: str, language: str, fmt: str) -> int:
    """Print the card for `paper`; returns the process exit code."""
    try:
        arxiv_id = parse_arxiv_id(paper)
    except InvalidArxivIdError as exc:
        print(f"error: {exc.reason}: {paper!r}. Try an id like {EXAMPLE_ID}.", file=sys.stderr)
        return EXIT_USAGE
    services = build_services(settings)
    try:
        card = await services.cards.card(arxiv_id.id, language)
    except PaperNotFoundError:
        print(f"error: arXiv has no paper {arxiv_id.id}", file=sys.stderr)
        return EXIT_FAILURE
    except ArxivRejectedError:
        print(f"error: arXiv rejected {arxiv_id.id} as a malformed id", file=sys.stderr)
        return EXIT_FAILURE
    except ArxivUnavailableError as exc:
        print(f"error: arXiv is unavailable ({exc}); try again later", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        await services.aclose()
    print(render_card(card, fmt))
    return EXIT_OK


async def run_command(settings: Settings) -> int:
    """Run every configured platform until SIGINT/SIGTERM."""
    if settings.discord_bot_token is not None:
        log.warning("DISCORD_BOT_TOKEN is set, but this release has no Discord adapter yet; ignoring it")
    if settings.telegram_bot_token is None:
        print(
            "error: no chat platform is configured. Set TELEGRAM_BOT_TOKEN (from @BotFather) "
            "in the environment or in .env, then run again.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from bot.telegram.app import run_polling  # noqa: PLC0415 - PTB is only needed when a bot runs

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    services = build_services(settings)
    try:
        purged = await services.chats.purge_inactive(settings.chat_retention_days * 86400)
        if purged:
            log.info(
                "Forgot %d chat(s) that removed the bot over %d days ago",
                len(purged),
                settings.chat_retention_days,
            )
        await run_polling(services, stop)
    finally:
        await services.aclose()
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m bot`."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    setup_logging(settings.log_level if args.command == "run" else "WARNING", settings.secrets())
    if args.command == "summarize":
        language = (args.lang or settings.default_language).strip().lower()
        if not re.fullmatch(r"[a-z]{2}", language):
            print(
                f"error: --lang expects a two-letter code such as en or zh, got {args.lang!r}",
                file=sys.stderr,
            )
            return EXIT_USAGE
        return asyncio.run(summarize_command(settings, args.paper, language, args.format))
    return asyncio.run(run_command(settings))
