"""Summaries and papers are cached in Redis, and concurrent misses share one computation."""

from __future__ import annotations

import asyncio
import time

import pytest
from redis.asyncio import Redis

from bot.app.composition import build_services
from bot.arxiv.client import ArxivUnavailableError
from bot.store.cache import SharedCache
from bot.store.connection import connect
from bot.store.keys import Keys
from tests.conftest import SettingsFactory
from tests.fakes.arxiv_api import FakeArxiv
from tests.fakes.openai_api import FakeOpenAI


async def test_cached_card_makes_no_new_calls(
    llm_settings: SettingsFactory, redis: Redis, fake_llm: FakeOpenAI, fake_arxiv: FakeArxiv
) -> None:
    services = build_services(llm_settings())
    try:
        first = await services.cards.card("2402.01349", "en")
        second = await services.cards.card("2402.01349", "en")
    finally:
        await services.aclose()
    assert first == second
    assert fake_llm.calls == 1
    assert len(fake_arxiv.requests) == 1
    assert fake_arxiv.html_requests == ["2402.01349v2"]
    keys = sorted(await redis.keys("*"))
    today = time.strftime("%Y%m%d", time.gmtime())
    assert keys == [
        "arxivbot:fulltext:2402.01349v2",
        f"arxivbot:llm:tokens:{today}",  # the day's spend, counted under the default budget
        "arxivbot:paper:2402.01349",
        "arxivbot:summary:2402.01349:en:fake-model-1:p2",
    ]
    assert 0 < await redis.ttl("arxivbot:summary:2402.01349:en:fake-model-1:p2") <= 30 * 86400
    assert 6 * 86400 < await redis.ttl("arxivbot:fulltext:2402.01349v2") <= 7 * 86400


async def test_cache_survives_a_new_process(
    llm_settings: SettingsFactory, redis: Redis, fake_llm: FakeOpenAI
) -> None:
    for _ in range(2):  # two independent service graphs, as two bot processes would build
        services = build_services(llm_settings())
        await services.cards.card("2402.01349", "en")
        await services.aclose()
    assert fake_llm.calls == 1


async def test_languages_and_models_are_cached_apart(
    llm_settings: SettingsFactory, redis: Redis, fake_llm: FakeOpenAI
) -> None:
    services = build_services(llm_settings())
    other_model = build_services(llm_settings(llm_model="fake-model-2"))
    try:
        en = await services.cards.card("2402.01349", "en")
        zh = await services.cards.card("2402.01349", "zh")
        other = await other_model.cards.card("2402.01349", "en")
    finally:
        await services.aclose()
        await other_model.aclose()
    assert fake_llm.calls == 3
    assert en.translated_title is None
    assert zh.translated_title is not None
    assert other.model == "fake-model-2"


async def test_concurrent_requests_share_one_llm_call(
    llm_settings: SettingsFactory, redis: Redis, fake_llm: FakeOpenAI, fake_arxiv: FakeArxiv
) -> None:
    fake_llm.latency = 0.3
    services = build_services(llm_settings())
    try:
        cards = await asyncio.gather(*(services.cards.card("2502.14816", "en") for _ in range(50)))
    finally:
        await services.aclose()
    assert fake_llm.calls == 1
    assert len(fake_arxiv.requests) == 1
    assert len({c.tldr for c in cards}) == 1


async def test_processes_share_one_llm_call_through_the_redis_lock(
    llm_settings: SettingsFactory, redis: Redis, fake_llm: FakeOpenAI
) -> None:
    fake_llm.latency = 0.3
    graphs = [build_services(llm_settings()) for _ in range(4)]
    try:
        await asyncio.gather(*(g.cards.card("2402.01349", "en") for g in graphs for _ in range(5)))
    finally:
        for graph in graphs:
            await graph.aclose()
    assert fake_llm.calls == 1


async def test_fallback_is_cached_briefly(
    llm_settings: SettingsFactory, redis: Redis, fake_llm: FakeOpenAI
) -> None:
    fake_llm.mode = "500"
    services = build_services(llm_settings(llm_max_retries=0))
    try:
        card = await services.cards.card("2402.01349", "en")
    finally:
        await services.aclose()
    assert card.extractive
    assert card.fallback_reason == "the language model answered HTTP 500"
    assert 0 < await redis.ttl("arxivbot:summary:2402.01349:en:fake-model-1:p2") <= 15 * 60


async def test_failed_lookup_is_not_cached(
    make_settings: SettingsFactory, redis: Redis, fake_arxiv: FakeArxiv
) -> None:
    services = build_services(make_settings())
    fake_arxiv.mode = "503"
    try:
        for _ in range(2):
            with pytest.raises(ArxivUnavailableError):
                await services.cards.card("2402.01349", "en")
        fake_arxiv.mode = "ok"
        card = await services.cards.card("2402.01349", "en")
    finally:
        await services.aclose()
    assert card.arxiv_id == "2402.01349"
    assert await redis.get("arxivbot:paper:2402.01349:lock") is None


async def test_embedded_store_without_redis_url() -> None:
    store = connect(None)
    cache = SharedCache(store, Keys("t:"))
    calls = 0

    async def compute() -> tuple[str, int]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return "value", 60

    values = await asyncio.gather(*(cache.get_or_compute("t:k", compute) for _ in range(10)))
    assert values == ["value"] * 10
    assert calls == 1
    await store.aclose()


async def test_key_prefix_is_configurable(make_settings: SettingsFactory, redis: Redis) -> None:
    services = build_services(make_settings(redis_key_prefix="other:"))
    try:
        await services.cards.card("2402.01349", "en")
    finally:
        await services.aclose()
    assert all(str(key).startswith("other:") for key in await redis.keys("*"))
