"""Command line: `python -m bot summarize|digest|deliver|run …`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import signal
import sys
from collections.abc import Sequence
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.app.composition import Services, build_platforms, build_services
from bot.app.logs import setup_logging
from bot.app.settings import ConfigError, Settings, load_settings, mask_credentials
from bot.arxiv.client import ArxivError
from bot.cards import markdown, plain
from bot.core.arxiv_ids import EXAMPLE_ID, InvalidArxivIdError, parse_arxiv_id
from bot.core.codec import card_to_dict
from bot.core.models import Card
from bot.core.topics import EXAMPLE_CATEGORY, TopicError, parse_topic
from bot.platforms.base import PlatformStartError
from bot.platforms.telegram import html as telegram_html
from bot.store.migrations import SchemaError, migrate
from handlers.summarize import invalid_id_reply, lookup_failure_reply

log = logging.getLogger("bot")

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_STORE = 0, 1, 2, 3
FORMATS = ("text", "markdown", "telegram-html", "json")
FORMAT_ALIASES = {"html": "telegram-html"}  # the old name of telegram-html, kept for scripts
ROLES = ("all", "bot", "scheduler", "worker")
MISSING_PLATFORM = (
    "error: no chat platform is configured. Set TELEGRAM_BOT_TOKEN (from @BotFather) and/or "
    "DISCORD_BOT_TOKEN (from the Discord Developer Portal) in the environment or in .env, then run again."
)


def _format_name(text: str) -> str:
    return FORMAT_ALIASES.get(text, text)


_FORMAT_OPTION: dict[str, Any] = {
    "type": _format_name,
    "choices": FORMATS,
    "default": "text",
    "help": "output format (default text; html is an old name of telegram-html)",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="arXiv summary cards for chats.")
    sub = parser.add_subparsers(dest="command", required=True)
    summarize = sub.add_parser("summarize", help="print the summary card of one paper")
    summarize.add_argument("paper", help=f"arXiv id or link, e.g. {EXAMPLE_ID}")
    summarize.add_argument(
        "--lang", default=None, help="ISO 639-1 language of the card (default DEFAULT_LANGUAGE)"
    )
    summarize.add_argument("--format", **_FORMAT_OPTION)
    digest = sub.add_parser("digest", help="print today's digest for a topic")
    digest.add_argument(
        "topic", help=f"an arXiv category or query, e.g. {EXAMPLE_CATEGORY} or '\"few-shot\" AND cat:cs.LG'"
    )
    digest.add_argument(
        "--lang", default=None, help="ISO 639-1 language of the cards (default DEFAULT_LANGUAGE)"
    )
    digest.add_argument("--limit", type=int, default=10, help="papers shown as cards, 1-50 (default 10)")
    digest.add_argument("--format", **_FORMAT_OPTION)
    deliver = sub.add_parser("deliver", help="plan and deliver one round for every active chat")
    deliver.add_argument("--now", action="store_true", required=True, help="regardless of each chat's time")
    run = sub.add_parser("run", help="run the bot")
    run.add_argument("--role", choices=ROLES, default="all", help="which part to run (default all)")
    return parser


def render_card(card: Card, fmt: str) -> str:
    """One card in a CLI output format."""
    if fmt == "json":
        return json.dumps(card_to_dict(card), ensure_ascii=False, indent=2)
    if fmt == "markdown":
        return markdown.render_card(card)
    if fmt == "telegram-html":
        return "\n\n".join(telegram_html.render_cards([card]))
    return plain.render_card(card)


async def summarize_command(settings: Settings, paper: str, language: str, fmt: str) -> int:
    """Print the card for `paper`; returns the process exit code."""
    try:
        arxiv_id = parse_arxiv_id(paper)
    except InvalidArxivIdError as exc:
        print(f"error: {invalid_id_reply(exc).plain_text()}", file=sys.stderr)
        return EXIT_USAGE
    services = build_services(settings)
    try:
        card = await services.cards.card(arxiv_id.id, language)
    except ArxivError as exc:  # the same words the chat gets
        print(f"error: {lookup_failure_reply(arxiv_id.id, exc).plain_text()}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        await services.aclose()
    print(render_card(card, fmt))
    return EXIT_OK


async def digest_command(settings: Settings, text: str, language: str, limit: int, fmt: str) -> int:
    """Print today's digest for a topic; returns the process exit code."""
    from bot.app.topic_digest import progress_bar, render, topic_digest  # noqa: PLC0415 - keeps `summarize` light

    try:
        topic = parse_topic(text)
    except TopicError as exc:
        print(f"error: {exc}. Try a category like {EXAMPLE_CATEGORY}.", file=sys.stderr)
        return EXIT_USAGE
    if not 1 <= limit <= 50:
        print("error: --limit must be from 1 to 50", file=sys.stderr)
        return EXIT_USAGE
    services = build_services(settings)
    try:
        cards, more, failed = await topic_digest(services, topic, language, limit, progress_bar(sys.stderr))
    finally:
        await services.aclose()
    if failed:
        print(
            f"error: arXiv could not be read ({next(iter(failed.values()))}); try again later",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    if not cards:
        print(f"No new papers for {topic.canonical} today (arXiv announces on weekdays).", file=sys.stderr)
        return EXIT_OK
    print(render(topic, cards, more, fmt))
    return EXIT_OK


async def _migrated(services: Services) -> bool:
    """Bring stored data up to this release's schema; False (with a message) when it cannot be."""
    try:
        await migrate(services.redis, services.keys)
    except SchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return False
    return True


async def deliver_command(settings: Settings) -> int:
    """One round for every active chat now; prints the counts."""
    from bot.app.roles import deliver_now  # noqa: PLC0415 - the pipeline is only needed here and in `run`

    platforms = build_platforms(settings)
    if not platforms:
        print(MISSING_PLATFORM, file=sys.stderr)
        return EXIT_USAGE
    services = build_services(settings)
    lines: list[str] = []
    try:
        if not await _migrated(services):
            return EXIT_USAGE
        counts = await deliver_now(services, platforms, lines)
    finally:
        await services.aclose()
    print("\n".join(lines))
    return EXIT_FAILURE if counts["failed_topics"] else EXIT_OK


async def run_command(settings: Settings, role: str) -> int:
    """Run a role until SIGINT/SIGTERM."""
    platforms = build_platforms(settings)
    if not platforms:
        print(MISSING_PLATFORM, file=sys.stderr)
        return EXIT_USAGE
    from bot.app.roles import run_roles  # noqa: PLC0415 - PTB and the pipeline are only needed when a bot runs

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    services = build_services(settings)
    try:
        if not await _migrated(services):
            return EXIT_USAGE
        purged = await services.chats.purge_inactive(settings.chat_retention_days * 86400)
        for chat in purged:  # its likes and votes go with it
            await services.feedback.forget(chat)
        if purged:
            log.info("Forgot %d chat(s) that removed the bot long ago", len(purged))
        await run_roles(services, platforms, role, stop)
    except PlatformStartError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        await services.aclose()
    return EXIT_OK


def _language(arg: str | None, settings: Settings) -> str | None:
    language = (arg or settings.default_language).strip().lower()
    if not re.fullmatch(r"[a-z]{2}", language):
        print(f"error: --lang expects a two-letter code such as en or zh, got {arg!r}", file=sys.stderr)
        return None
    return language


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m bot`."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    verbose = args.command in {"run", "deliver"}
    setup_logging(settings.log_level if verbose else "WARNING", settings.secrets(), settings.log_format)
    if args.command in {"summarize", "digest"}:
        language = _language(args.lang, settings)
        if language is None:
            return EXIT_USAGE
        if args.command == "summarize":
            return asyncio.run(summarize_command(settings, args.paper, language, args.format))
        return asyncio.run(digest_command(settings, args.topic, language, args.limit, args.format))
    return _with_store(settings, args)


def _with_store(settings: Settings, args: argparse.Namespace) -> int:
    """`deliver` or `run`; Redis out of reach is one line and its own exit code, not a traceback."""
    try:
        if args.command == "deliver":
            return asyncio.run(deliver_command(settings))
        return asyncio.run(run_command(settings, args.role))
    except (RedisConnectionError, RedisTimeoutError) as exc:  # the store, not arXiv (exit 1) or input (2)
        where = mask_credentials(settings.redis_url or "the embedded store")
        reason = mask_credentials(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        print(f"error: cannot reach Redis at {where} ({reason}); check REDIS_URL", file=sys.stderr)
        return EXIT_STORE
