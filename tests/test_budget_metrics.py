"""The daily LLM token budget and the Prometheus metrics."""

from __future__ import annotations

import asyncio
import urllib.request

from redis.asyncio import Redis

from bot.app.composition import build_services
from tests.conftest import SettingsFactory
from tests.fakes.openai_api import FakeOpenAI
from tests.support.redis_server import free_port


async def test_spent_budget_gives_labelled_extractive_cards(
    llm_settings: SettingsFactory, redis: Redis, fake_llm: FakeOpenAI
) -> None:
    services = build_services(llm_settings(llm_daily_token_budget=1000))  # the fake uses 700 per call
    try:
        first = await services.cards.card("2402.01349", "en")
        second = await services.cards.card("2502.14816", "en")
        third = await services.cards.card("hep-th/9901001", "en")
    finally:
        await services.aclose()
    assert first.model == "fake-model-1"
    assert second.model == "fake-model-1"  # 700 < 1000 when it started
    assert third.extractive
    assert third.fallback_reason == "the daily language-model budget is spent"
    assert fake_llm.calls == 2
    (key,) = await redis.keys("arxivbot:llm:tokens:*")
    assert await redis.get(key) == "1400"


async def test_an_explicit_zero_budget_is_unlimited_and_still_counted(
    llm_settings: SettingsFactory, redis: Redis, fake_llm: FakeOpenAI
) -> None:
    services = build_services(llm_settings(llm_daily_token_budget=0))
    try:
        cards = [await services.cards.card(i, "en") for i in ("2402.01349", "2502.14816", "hep-th/9901001")]
        assert services.metrics.registry.get_sample_value("arxivbot_llm_daily_token_budget") == 0
        assert services.metrics.registry.get_sample_value("arxivbot_llm_tokens_today") == 2100
    finally:
        await services.aclose()
    assert not any(card.extractive for card in cards)
    (key,) = await redis.keys("arxivbot:llm:tokens:*")
    assert await redis.get(key) == "2100"


def scrape(url: str) -> str:
    """GET a metrics page (blocking; run in a thread)."""
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode())


async def test_metrics_are_served(llm_settings: SettingsFactory, redis: Redis, fake_llm: FakeOpenAI) -> None:
    services = build_services(llm_settings())
    try:
        await services.cards.card("2402.01349", "en")
        port = free_port()
        services.metrics.serve(port)
        text = await asyncio.to_thread(scrape, f"http://127.0.0.1:{port}/metrics")
    finally:
        await services.aclose()
    assert "arxivbot_llm_calls_total 1.0" in text
    assert "arxivbot_llm_daily_token_budget 2e+06" in text  # the default for new installs
    assert "arxivbot_llm_tokens_today 700.0" in text
    assert 'arxivbot_llm_tokens_total{kind="prompt"} 500.0' in text
    assert "arxivbot_messages_total" in text
