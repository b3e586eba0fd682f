"""The real `arxiv` client against the fake arXiv API: found, missing, rejected, down, slow, garbage."""

from __future__ import annotations

import time

import fakeredis
import pytest

from bot.arxiv.client import ArxivClient, ArxivRejectedError, ArxivUnavailableError, PaperNotFoundError
from bot.store.keys import Keys
from bot.store.pacing import Pacer
from tests.fakes.arxiv_api import FakeArxiv


def client(fake: FakeArxiv, timeout: float = 2, interval: float = 0) -> ArxivClient:
    pacer = Pacer(fakeredis.FakeAsyncRedis(decode_responses=True), Keys("t:"))

    async def gate() -> None:
        await pacer.wait("arxiv", interval)

    return ArxivClient(fake.api_url, timeout=timeout, gate=gate)


async def test_fetches_metadata(fake_arxiv: FakeArxiv) -> None:
    paper = await client(fake_arxiv).fetch("2402.01349")
    assert paper.arxiv_id == "2402.01349"
    assert paper.version == 2
    assert paper.title.startswith("Beyond the Answers: Reviewing the Rationality")
    assert "\n" not in paper.title
    assert paper.authors[0] == "Haochun Wang"
    assert paper.categories == ("cs.CL",)
    assert paper.comment == "17 pages, 8 figures"
    assert paper.published.year == 2024
    assert fake_arxiv.requests[0]["id_list"] == "2402.01349"


async def test_old_style_id(fake_arxiv: FakeArxiv) -> None:
    paper = await client(fake_arxiv).fetch("hep-th/9901001")
    assert paper.arxiv_id == "hep-th/9901001"


async def test_missing_paper(fake_arxiv: FakeArxiv) -> None:
    with pytest.raises(PaperNotFoundError):
        await client(fake_arxiv).fetch("2402.99999")


async def test_rejected_id_is_not_retried(fake_arxiv: FakeArxiv) -> None:
    with pytest.raises(ArxivRejectedError):
        await client(fake_arxiv).fetch("2413.01349")  # there is no month 13
    assert len(fake_arxiv.requests) == 1


@pytest.mark.parametrize("mode", ["503", "garbage"])
async def test_unavailable_is_retried_once_then_reported(fake_arxiv: FakeArxiv, mode: str) -> None:
    fake_arxiv.mode = mode
    with pytest.raises(ArxivUnavailableError):
        await client(fake_arxiv).fetch("2402.01349")
    assert len(fake_arxiv.requests) == 2


async def test_hang_times_out(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.mode = "hang"
    started = time.monotonic()
    with pytest.raises(ArxivUnavailableError, match="in time"):
        await client(fake_arxiv, timeout=0.3).fetch("2402.01349")
    assert time.monotonic() - started < 5


async def test_results_counted_but_not_sent_mean_arxiv_is_unavailable(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.mode = "results_but_none"
    with pytest.raises(ArxivUnavailableError, match="reported 1 result"):
        await client(fake_arxiv).fetch("2402.01349")
    fake_arxiv.mode = "ok"
    with pytest.raises(PaperNotFoundError):  # a real "no such paper" has a total of 0
        await client(fake_arxiv).fetch("2402.99999")


async def test_unreachable_server() -> None:
    unreachable = ArxivClient("http://127.0.0.1:9/api/query", timeout=1)
    with pytest.raises(ArxivUnavailableError, match="cannot reach"):
        await unreachable.fetch("2402.01349")


async def test_requests_are_paced(fake_arxiv: FakeArxiv) -> None:
    paced = client(fake_arxiv, interval=0.3)
    started = time.monotonic()
    await paced.fetch("2402.01349")
    await paced.fetch("2502.14816")
    await paced.fetch("hep-th/9901001")
    assert time.monotonic() - started >= 0.6


async def test_retry_after_from_the_api_holds_every_request(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.mode, fake_arxiv.retry_after = "429", 4
    held: list[float] = []

    async def backoff(seconds: float) -> None:
        held.append(seconds)

    agent = "digest-test/1.0 (mailto:ops@example.org)"
    arxiv = ArxivClient(fake_arxiv.api_url, timeout=2, retries=1, backoff=backoff, user_agent=agent)
    with pytest.raises(ArxivUnavailableError):
        await arxiv.fetch("2402.01349")
    assert held == [4, 4]  # each attempt's answer asked for 4 s; the shared gate waits them out
    assert fake_arxiv.user_agents == {agent}  # not the arxiv package's own
