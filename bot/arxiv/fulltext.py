"""Full texts from arXiv's HTML versions (`ARXIV_HTML_URL/<id>v<version>`), paced, bounded and cached.

A paper without an HTML version (404), a page that fails (timeouts, 5xx, 429) or one that is not a
LaTeXML paper is an `Absent` with its reason; the card is then written from the abstract as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import httpx

from bot.arxiv.client import (
    DEFAULT_USER_AGENT,
    Backoff,
    Gate,
    honour_retry_after,
    no_backoff,
    no_gate,
)
from bot.arxiv.latexml import NotLatexmlError, parse_latexml
from bot.core.fulltext import Absent, FullTextResult, fulltext_from_json, fulltext_to_json
from bot.core.metrics import Metrics
from bot.core.models import Paper
from bot.core.ports import Cache

log = logging.getLogger(__name__)

MAX_PAGE_BYTES = 3_000_000  # the rest of a bigger page is not read (the text we keep is bounded anyway)

FULLTEXT_TTL_SECONDS = 7 * 86400  # a version's page does not change
NO_HTML_TTL_SECONDS = 86400  # arXiv may convert a paper later
UNAVAILABLE_TTL_SECONDS = 10 * 60  # a failed fetch is retried soon, not by every card at once


class HtmlClient:
    """Fetches and parses one paper's HTML version; never raises for what arXiv answers."""

    def __init__(
        self,
        html_url: str,
        timeout: float,
        gate: Gate = no_gate,
        user_agent: str = DEFAULT_USER_AGENT,
        backoff: Backoff = no_backoff,
    ) -> None:
        self._html_url = html_url
        self._timeout = timeout
        self._gate = gate
        self._user_agent = user_agent
        self._backoff = backoff

    def url(self, arxiv_id: str, version: int) -> str:
        """The page of one version; a trailing slash, because arXiv's figure links are relative to it."""
        return f"{self._html_url}/{arxiv_id}v{version}/"

    async def fetch(self, arxiv_id: str, version: int) -> FullTextResult:
        """The parsed full text of `arxiv_id` v`version`, or Absent with the reason."""
        url = self.url(arxiv_id, version)
        await self._gate()
        try:
            async with (
                httpx.AsyncClient(timeout=self._timeout, follow_redirects=True) as client,
                client.stream("GET", url, headers={"User-Agent": self._user_agent}) as response,
            ):
                if response.status_code == 404:
                    return Absent("no_html")
                if response.status_code != 200:
                    await honour_retry_after(response.status_code, response.headers, self._backoff)
                    log.info("HTML page of %s answered HTTP %d", arxiv_id, response.status_code)
                    return Absent("unavailable")
                if "html" not in response.headers.get("content-type", "text/html"):
                    return Absent("unreadable")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) >= MAX_PAGE_BYTES:
                        break
                encoding = response.encoding or "utf-8"
        except httpx.HTTPError as exc:
            log.info("HTML page of %s could not be fetched: %s", arxiv_id, type(exc).__name__)
            return Absent("unavailable")
        page = bytes(body[:MAX_PAGE_BYTES]).decode(encoding, errors="replace")
        return await asyncio.to_thread(_read, page, url, arxiv_id)


def _read(page: str, url: str, arxiv_id: str) -> FullTextResult:
    """The page as a paper, or why not (the page is untrusted: a parser failure costs the full text only)."""
    try:
        return parse_latexml(page, url)
    except NotLatexmlError as exc:
        log.info("HTML page of %s is not readable as a paper: %s", arxiv_id, exc)
    except Exception:
        log.exception("Reading the HTML page of %s failed", arxiv_id)
    return Absent("unreadable")


class FullTextService:
    """A paper's full text, fetched once per version among all processes and cached."""

    def __init__(
        self,
        cache: Cache,
        key: Callable[[str, int], str],
        client: HtmlClient,
        metrics: Metrics | None = None,
    ) -> None:
        self._cache = cache
        self._key = key
        self._client = client
        self._metrics = metrics

    async def get(self, paper: Paper) -> FullTextResult:
        """The full text of the paper's current version (or why there is none)."""

        async def fetch() -> tuple[str, int]:
            found = await self._client.fetch(paper.arxiv_id, paper.version)
            result = found.reason if isinstance(found, Absent) else "full_text"
            if self._metrics is not None:
                self._metrics.fulltext_fetches.labels(result).inc()
            ttl = {
                "full_text": FULLTEXT_TTL_SECONDS,
                "no_html": NO_HTML_TTL_SECONDS,
                "unreadable": NO_HTML_TTL_SECONDS,
            }.get(result, UNAVAILABLE_TTL_SECONDS)
            return fulltext_to_json(found), ttl

        return fulltext_from_json(
            await self._cache.get_or_compute(self._key(paper.arxiv_id, paper.version), fetch)
        )
