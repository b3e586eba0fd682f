"""Paper metadata from the arXiv API through the `arxiv` package, off the event loop and paced."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import arxiv
import requests

from bot.core.arxiv_ids import split_versioned_id
from bot.core.models import Paper

log = logging.getLogger(__name__)

_ATOM_NAMESPACE = b"http://www.w3.org/2005/Atom"


class ArxivError(Exception):
    """Base class for arXiv lookup failures."""


class PaperNotFoundError(ArxivError):
    """arXiv answered, and it has no paper with this id."""


class ArxivRejectedError(ArxivError):
    """arXiv refused the id as malformed (HTTP 400)."""


class ArxivUnavailableError(ArxivError):
    """arXiv is down, slow or answered with something unusable (`retry_after`: when it asked us to wait)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


DEFAULT_USER_AGENT = "arxiv-digest-bot/0.2 (self-hosted; set ARXIV_USER_AGENT to name a contact)"
RETRY_STATUSES = frozenset({429, 503})


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header in seconds (it may also be an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())


class _GuardedSession(requests.Session):
    """A requests session with a timeout on every request that refuses non-Atom success pages.

    `requests` has no default timeout, and arXiv's front-ends sometimes answer 200 with an HTML
    error page, which the `arxiv` parser would read as "no results".
    """

    def __init__(self, timeout: float, user_agent: str) -> None:
        super().__init__()
        self._timeout = timeout
        self._user_agent = user_agent

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        kwargs["headers"] = {**(kwargs.get("headers") or {}), "user-agent": self._user_agent}
        response = super().request(*args, **kwargs)
        if response.status_code in RETRY_STATUSES:
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            raise ArxivUnavailableError(f"arXiv answered HTTP {response.status_code}", retry_after=wait)
        if response.status_code == 200 and _ATOM_NAMESPACE not in response.content[:2048]:
            raise ArxivUnavailableError("arXiv answered with something that is not an Atom feed")
        return response


class _ConfiguredClient(arxiv.Client):  # type: ignore[misc]
    """The `arxiv` client pointed at a configurable endpoint with a request timeout."""

    def __init__(self, api_url: str, timeout: float, user_agent: str) -> None:
        # Retrying is ours to decide (a 400 must not be retried); pacing is ours too (shared lock).
        super().__init__(page_size=100, delay_seconds=0.0, num_retries=0)
        self.query_url_format = api_url + "?{}"
        self._session = _GuardedSession(timeout, user_agent)

    def _parse_feed(self, url: str, first_page: bool = True, _try_index: int = 0) -> Any:  # noqa: FBT001, FBT002
        # arxiv 4.x returns an unparseable page as an empty feed flagged `malformed`; without this,
        # a broken answer would read as "no such paper".
        feed = super()._parse_feed(url, first_page, _try_index)
        if feed.malformed:
            raise ArxivUnavailableError(f"arXiv sent an unreadable answer: {feed.error}")
        if first_page and not feed.results and feed.header.total_results > 0:
            # A known flake of arXiv's API: it counts results and sends none. Not "no such paper".
            total = feed.header.total_results
            raise ArxivUnavailableError(f"arXiv reported {total} result(s) but sent none")
        return feed


Gate = Callable[[], Awaitable[None]]
"""Awaited before every request to arXiv (pacing shared by all processes, see bot.store.pacing)."""

Backoff = Callable[[float], Awaitable[None]]
"""Told when arXiv asked us to wait (Retry-After), so that every process's gate holds that long."""


async def honour_retry_after(status: int, headers: Mapping[str, str], backoff: Backoff) -> float | None:
    """After a failed answer: the wait arXiv asked for (429/503 with Retry-After), passed to `backoff` so
    every process's next request on that gate waits it out; None when arXiv named no wait."""
    wait = retry_after_seconds(headers.get("Retry-After"))
    if wait is not None and status in RETRY_STATUSES:
        await backoff(wait)
    return wait


async def no_gate() -> None:
    """A gate that never waits (tests, one-off CLI calls)."""


async def no_backoff(_seconds: float) -> None:
    """A backoff that holds nothing (the next attempt still goes through the gate)."""


class ArxivClient:
    """Looks papers up by id and searches arXiv; every request passes the shared gate first."""

    def __init__(
        self,
        api_url: str,
        timeout: float,
        gate: Gate = no_gate,
        retries: int = 1,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        backoff: Backoff = no_backoff,
    ) -> None:
        self._client = _ConfiguredClient(api_url, timeout, user_agent)
        self._timeout = timeout
        self._gate = gate
        self._retries = retries
        self._backoff = backoff

    async def fetch(self, arxiv_id: str) -> Paper:
        """Fetch one paper's latest version; raises a subclass of ArxivError on failure."""
        for paper in await self.fetch_many([arxiv_id]):
            if paper.arxiv_id == arxiv_id:
                return paper
        raise PaperNotFoundError(arxiv_id)

    async def fetch_many(self, arxiv_ids: Sequence[str]) -> list[Paper]:
        """Metadata of up to 100 papers in one request (unknown ids are simply absent)."""
        search = arxiv.Search(id_list=list(arxiv_ids), max_results=len(arxiv_ids))
        return await self._run(search, ", ".join(arxiv_ids[:3]))

    async def search(self, query: str, since: datetime, until: datetime, limit: int = 100) -> list[Paper]:
        """Papers matching an arXiv query submitted in [since, until], newest first."""
        window = f"submittedDate:[{since:%Y%m%d%H%M} TO {until:%Y%m%d%H%M}]"
        search = arxiv.Search(
            query=f"({query}) AND {window}",
            max_results=limit,
            sort_by=arxiv.SortCriterion.SubmittedDate,
            sort_order=arxiv.SortOrder.Descending,
        )
        return await self._run(search, query)

    async def _run(self, search: Any, what: str) -> list[Paper]:
        attempt = 0
        while True:
            try:
                return await self._once(search)
            except ArxivUnavailableError as exc:
                if exc.retry_after is not None:
                    await self._backoff(exc.retry_after)  # the next request (anyone's) waits that long
                attempt += 1
                if attempt > self._retries:
                    raise
                log.warning("arXiv request for %s failed, retrying (%d/%d)", what, attempt, self._retries)

    async def _once(self, search: Any) -> list[Paper]:
        await self._gate()
        try:
            # The thread has its own request timeout; wait_for also bounds a stuck DNS lookup.
            results = await asyncio.wait_for(
                asyncio.to_thread(self._results, search), timeout=self._timeout * 2
            )
        except TimeoutError as exc:
            raise ArxivUnavailableError("arXiv did not answer in time") from exc
        return [paper_from_result(result) for result in results]

    def _results(self, search: Any) -> list[Any]:
        try:
            return list(self._client.results(search))
        except arxiv.HTTPError as exc:
            if exc.status == 400:
                raise ArxivRejectedError(search.id_list or search.query) from exc
            raise ArxivUnavailableError(f"arXiv answered HTTP {exc.status}") from exc
        except arxiv.UnexpectedEmptyPageError as exc:
            raise ArxivUnavailableError("arXiv returned an empty page") from exc
        except requests.Timeout as exc:
            raise ArxivUnavailableError("arXiv did not answer in time") from exc
        except requests.RequestException as exc:
            raise ArxivUnavailableError(f"cannot reach arXiv: {type(exc).__name__}") from exc
        except (ValueError, AttributeError, KeyError) as exc:
            # The feed parsed but an entry lacked fields arXiv always sends: treat as a broken answer.
            raise ArxivUnavailableError(f"arXiv sent an unreadable answer: {exc}") from exc


def paper_from_result(result: Any) -> Paper:
    """Convert an `arxiv.Result` into our Paper."""
    versioned = result.entry_id.rstrip("/").split("/abs/")[-1]
    arxiv_id, version = split_versioned_id(versioned)
    return Paper(
        arxiv_id=arxiv_id,
        version=version,
        title=" ".join(result.title.split()),
        authors=tuple(str(author.name) for author in result.authors),
        abstract=" ".join(result.summary.split()),
        categories=tuple(result.categories),
        primary_category=result.primary_category,
        published=result.published,
        updated=result.updated,
        comment=" ".join(result.comment.split()) if result.comment else None,
        journal_ref=result.journal_ref or None,
        doi=result.doi or None,
    )
