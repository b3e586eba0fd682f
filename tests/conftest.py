"""Shared fixtures: a private redis-server, the local fakes, and services wired to them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import fakeredis
import pytest
from redis.asyncio import Redis

from bot.app.composition import Services, build_services
from bot.app.settings import Settings
from tests.fakes.arxiv_api import FakeArxiv
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.telegram_api import FakeTelegram
from tests.support.fake_platform import FakePlatform, fake_platform_for
from tests.support.redis_server import RedisServer

SettingsFactory = Callable[..., Settings]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real redis-server for the whole session."""
    server = RedisServer(Path(tmp_path_factory.mktemp("redis")))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    """A client of the private server, emptied before each test."""
    client: Redis = Redis.from_url(redis_server.url, decode_responses=True)
    await client.flushall()
    yield client
    await client.aclose()


@pytest.fixture(params=["redis-server", "embedded"])
async def backend(request: pytest.FixtureRequest, redis: Redis) -> AsyncIterator[Redis]:
    """Both storage backends in turn: the private redis-server and the embedded one (the same contract)."""
    if request.param == "redis-server":
        yield redis
        return
    embedded: Redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    yield embedded
    await embedded.aclose()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests must not see the developer's configuration."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
async def fake_arxiv() -> AsyncIterator[FakeArxiv]:
    """The fake arXiv API."""
    async with FakeArxiv() as server:
        yield server


@pytest.fixture
async def fake_llm() -> AsyncIterator[FakeOpenAI]:
    """The fake OpenAI-compatible server."""
    async with FakeOpenAI() as server:
        yield server


@pytest.fixture
async def fake_tg() -> AsyncIterator[FakeTelegram]:
    """The fake Telegram Bot API."""
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
def make_settings(redis_server: RedisServer, fake_arxiv: FakeArxiv) -> SettingsFactory:
    """Settings pointing at the fakes; keyword arguments override fields."""

    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "redis_url": redis_server.url,
            "arxiv_api_url": fake_arxiv.api_url,
            "arxiv_html_url": fake_arxiv.html_url,
            "arxiv_request_interval_seconds": 0,
            "arxiv_timeout_seconds": 2,
            "llm_timeout_seconds": 2,
            "llm_max_retries": 1,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return factory


@pytest.fixture
def llm_settings(make_settings: SettingsFactory, fake_llm: FakeOpenAI) -> SettingsFactory:
    """Settings with the fake LLM configured."""

    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "openai_base_url": fake_llm.base_url,
            "openai_api_key": fake_llm.api_key,
            "llm_model": "fake-model-1",
        }
        values.update(overrides)
        return make_settings(**values)

    return factory


@pytest.fixture
def digest_settings(
    llm_settings: SettingsFactory, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv
) -> SettingsFactory:
    """Settings for the digest pipeline: the fake LLM, Bot API and arXiv feeds, quick takeovers."""

    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "telegram_bot_token": fake_tg.token,
            "telegram_api_url": fake_tg.api_url,
            "arxiv_rss_url": fake_arxiv.rss_url,
            "delivery_claim_idle_seconds": 0.3,
        }
        values.update(overrides)
        return llm_settings(**values)

    return factory


@pytest.fixture
async def services(make_settings: SettingsFactory, redis: Redis) -> AsyncIterator[Services]:
    """Services on the extractive summarizer, real Redis and the fake arXiv."""
    built = build_services(make_settings())
    yield built
    await built.aclose()


@pytest.fixture
async def platform(
    make_settings: SettingsFactory, fake_arxiv: FakeArxiv, redis: Redis
) -> AsyncIterator[FakePlatform]:
    """The in-process fake platform on real Redis, the fake arXiv (API and feeds) and extractive cards."""
    built = build_services(make_settings(arxiv_rss_url=fake_arxiv.rss_url))
    yield fake_platform_for(built)
    await built.aclose()
