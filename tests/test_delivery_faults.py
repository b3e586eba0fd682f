"""Delivery under faults: the ledger invariants hold after every kind of failure the platforms produce."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.app.composition import Pipeline, Services, build_services
from bot.cards.build import build_card
from bot.core.delivery import DigestMessage, Sent
from bot.core.models import ChatKind, ChatRef, Summary
from bot.platforms.telegram.digest import render_digest
from bot.platforms.telegram.messenger import build_messenger
from tests.conftest import SettingsFactory
from tests.fakes.arxiv_api import FakeArxiv
from tests.fakes.flaky_transport import FlakyConnector
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.papers import INJECTION
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_entities import parse_html
from tests.support.digest import NOON, add_chat, audit, check_invariants, drain, paper, pipeline_for
from tests.support.env import worker_env
from tests.support.redis_server import RedisServer


@pytest.fixture
async def services(digest_settings: SettingsFactory, redis: Redis) -> AsyncIterator[Services]:
    built = build_services(digest_settings(llm_timeout_seconds=0.5, llm_max_retries=0))
    yield built
    await built.aclose()


def process_env(services: Services, redis_server: RedisServer) -> dict[str, str]:
    """The environment for a bot subprocess wired to the same fakes and Redis, pacing off."""
    return worker_env(services.settings, redis_server.url)


async def many_chats(
    services: Services,
    fake_tg: FakeTelegram,
    fake_arxiv: FakeArxiv,
    chats: int,
    papers: int,
    **settings: object,
) -> list[ChatRef]:
    for n in range(1, papers + 1):
        fake_arxiv.announce("cs.CL", paper(n))
    refs = []
    for i in range(chats):
        kind: ChatKind = "group" if i % 3 == 0 else "private"
        refs.append(
            await add_chat(
                services,
                fake_tg,
                -(1000 + i) if kind == "group" else 1000 + i,
                ["cs.CL"],
                kind=kind,
                **settings,
            )
        )
    return refs


async def plan_all(services: Services, chats: list[ChatRef], pipeline: Pipeline) -> None:
    planner = pipeline.planner
    await planner.prefetch(chats, NOON)
    for chat in chats:
        await planner.plan(chat, NOON)


async def test_invariants_hold_under_platform_faults(
    services: Services, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv
) -> None:
    # One card per message, so every paper is its own send and the faults hit many pairs.
    chats = await many_chats(services, fake_tg, fake_arxiv, chats=12, papers=20, max_papers=20)
    fake_tg.chaos = {"500": 0.05, "429": 0.05, "timeout_after_accept": 0.01}
    flaky = FlakyConnector(rate=0.01)
    pipeline = pipeline_for(services, fake_tg, timeout=0.5, connector=lambda: flaky)
    await plan_all(services, chats, pipeline)
    await drain(pipeline, rounds=400)

    result = await audit(services, fake_tg, chats)
    check_invariants(result, max_uncertain=fake_tg.injected["timeout_after_accept"])
    assert len(result.ledger) == 12 * 20
    assert result.states()["failed"] == 0
    assert fake_tg.injected["429"] > 0
    assert fake_tg.injected["500"] > 0
    assert flaky.injected > 0
    # Every timed-out-after-accept pair is uncertain and was not sent again.
    assert result.states()["uncertain"] == fake_tg.injected["timeout_after_accept"]
    assert pipeline.deliverer.stats.rate_limited == fake_tg.injected["429"]


async def test_blocked_kicked_migrated_and_unknown_chats(
    services: Services, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv
) -> None:
    for n in range(1, 4):
        fake_arxiv.announce("cs.CL", paper(n))
    ok = await add_chat(services, fake_tg, 1, ["cs.CL"])
    blocked = await add_chat(services, fake_tg, 2, ["cs.CL"])
    kicked = await add_chat(services, fake_tg, -3, ["cs.CL"], kind="group")
    old = await add_chat(services, fake_tg, -4, ["cs.CL"], kind="group")
    unknown = await add_chat(services, fake_tg, 5, ["cs.CL"])
    pipeline = pipeline_for(services, fake_tg)
    await plan_all(services, [ok, blocked, kicked, old, unknown], pipeline)
    fake_tg.chats[2].blocked = True
    fake_tg.chats[-3].blocked = True
    new = fake_tg.add_chat(-1000000000004, "supergroup", "Upgraded")
    fake_tg.chats[-4].migrated_to = new.id
    del fake_tg.chats[5]  # Telegram: "chat not found"
    await drain(pipeline)

    result = await audit(services, fake_tg, [ok, blocked, kicked, ChatRef("telegram", new.id), unknown])
    check_invariants(result, max_uncertain=0)
    by_chat = {
        chat: {e.state for (c, _), e in result.ledger.items() if c == chat} for chat in (1, 2, -3, new.id, 5)
    }
    assert by_chat == {1: {"sent"}, 2: {"failed"}, -3: {"failed"}, new.id: {"sent"}, 5: {"failed"}}
    for chat in (blocked, kicked):
        state = await services.chats.get_chat(chat)
        assert state is not None
        assert not state.active
    assert await services.chats.get_chat(old) is None
    assert await services.chats.topics(ChatRef("telegram", new.id)) == ["cs.CL"]
    assert len([m for m in fake_tg.sent if m.chat_id == new.id]) == 1


async def test_llm_failures_give_labelled_cards_and_injection_stays_data(
    services: Services, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv, fake_llm: FakeOpenAI
) -> None:
    fake_arxiv.announce("cs.CR", INJECTION)
    fake_arxiv.announce("cs.CR", paper(1, "cs.CR"))
    chat = await add_chat(services, fake_tg, 1, ["cs.CR"])
    fake_llm.mode = "gullible"
    pipeline = pipeline_for(services, fake_tg)
    await plan_all(services, [chat], pipeline)
    await drain(pipeline)
    (message,) = [m for m in fake_tg.sent if m.chat_id == 1]
    parsed = parse_html(message.text)
    assert "Extractive summary (the language model returned invalid JSON)" in parsed.text
    assert "<b>bold claim</b> & <a href='x'>link</a>" in parsed.text  # the other paper's LLM text, escaped
    assert all(attrs.get("href") != "x" for _, attrs in parsed.entities)
    result = await audit(services, fake_tg, [chat])
    check_invariants(result, max_uncertain=0)
    assert result.states() == {"sent": 2}


@pytest.mark.parametrize("mode", ["timeout", "invalid_json", "500"])
async def test_llm_outage_never_drops_a_paper(
    services: Services, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv, fake_llm: FakeOpenAI, mode: str
) -> None:
    chats = await many_chats(services, fake_tg, fake_arxiv, chats=2, papers=3)
    fake_llm.mode = mode
    pipeline = pipeline_for(services, fake_tg)
    await plan_all(services, chats, pipeline)
    await drain(pipeline)
    result = await audit(services, fake_tg, chats)
    check_invariants(result, max_uncertain=0)
    assert result.states() == {"sent": 6}
    assert all("Extractive summary" in m.visible_text for m in fake_tg.sent)


async def test_redis_restart_mid_delivery_loses_nothing(
    services: Services, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv, redis_server: RedisServer
) -> None:
    chats = await many_chats(services, fake_tg, fake_arxiv, chats=6, papers=4)
    pipeline = pipeline_for(services, fake_tg)
    await plan_all(services, chats, pipeline)
    redis_server.stop()  # AOF on: the queue and the ledger come back with it
    redis_server.start()
    await drain(pipeline)
    result = await audit(services, fake_tg, chats)
    check_invariants(result, max_uncertain=0)
    assert result.states() == {"sent": 24}


@pytest.mark.parametrize("point", ["after_claim", "after_send", "after_ledger"])
async def test_kill_at_a_failpoint_then_restart(
    services: Services, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv, redis_server: RedisServer, point: str
) -> None:
    chats = await many_chats(services, fake_tg, fake_arxiv, chats=3, papers=2)
    pipeline = pipeline_for(services, fake_tg)
    await plan_all(services, chats, pipeline)
    env = {**process_env(services, redis_server), "BOT_FAILPOINT": point, "DELIVERY_CONCURRENCY": "1"}
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--role", "worker", env=env, stderr=asyncio.subprocess.DEVNULL
    )
    assert await asyncio.wait_for(worker.wait(), 60) == -9  # it died at the failpoint
    await asyncio.sleep(0.4)  # longer than the claim idle time: the entry is up for grabs
    await drain(pipeline)  # a fresh worker (this process) takes over
    result = await audit(services, fake_tg, chats)
    # Killed with one message (two papers) in flight: those may or may not have reached Telegram.
    in_flight = 2 if point in {"after_claim", "after_send"} else 0
    check_invariants(result, max_uncertain=in_flight)
    assert result.states()["uncertain"] == in_flight
    assert len(result.ledger) == 6
    assert result.states()["failed"] == 0


async def test_migration_between_planning_and_sending(
    services: Services, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv
) -> None:

    fake_arxiv.announce("cs.CL", paper(1))
    old = await add_chat(services, fake_tg, -7, ["cs.CL"], kind="group")
    pipeline = pipeline_for(services, fake_tg)
    await plan_all(services, [old], pipeline)
    new = ChatRef("telegram", -1000000000007)
    fake_tg.add_chat(new.chat_id, "supergroup", "Upgraded")
    fake_tg.chats[-7].migrated_to = new.chat_id
    await services.lifecycle.migrated(old, new)  # the service message arrived before the worker ran
    await drain(pipeline)
    result = await audit(services, fake_tg, [old, new])
    check_invariants(result, max_uncertain=0)
    assert {pair: e.state for pair, e in result.ledger.items()} == {(new.chat_id, "2411.00001"): "sent"}


async def test_kill_after_planning_then_deliver_again(
    services: Services, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv, redis_server: RedisServer
) -> None:
    chats = await many_chats(services, fake_tg, fake_arxiv, chats=2, papers=2)
    env = process_env(services, redis_server)

    async def deliver_now(**extra: str) -> int:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "deliver",
            "--now",
            env={**env, **extra},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        return await asyncio.wait_for(process.wait(), 60)

    assert await deliver_now(BOT_FAILPOINT="after_plan") == -9  # planned in the ledger, never queued
    assert fake_tg.sent == []
    # Fifteen minutes later the dead planner's lock has expired and its orphaned papers are adopted.
    for key in [k async for k in services.redis.scan_iter(match="*:round:lock")]:
        await services.redis.delete(key)
    for chat in chats:
        for paper_id, entry in (await services.ledger.entries(chat)).items():
            raw = f"planned|{entry.mode}|{entry.round}||{entry.at - 1000}||"
            await services.redis.hset(services.ledger.key(chat), paper_id, raw)
    assert await deliver_now() == 0
    result = await audit(services, fake_tg, chats)
    check_invariants(result, max_uncertain=0)
    assert result.states() == {"sent": 4}


@pytest.mark.parametrize("kind", ["429", "500"])
async def test_a_later_part_told_to_wait_is_sent_again_not_lost(fake_tg: FakeTelegram, kind: str) -> None:
    """A digest message too long for one Telegram message goes out in parts; a 429 (or 5xx) on a later
    part means that part was not sent: it is sent again after the wait, once, and the message is `Sent`."""
    long = " ".join(f"Sentence {n} of a long summary that keeps going." for n in range(40))
    summary = Summary(long[:1500], long[:1500], tuple(long[:390] for _ in range(7)), "en", "fake-model-1")
    card = build_card(paper(1, abstract=long[:2500]).to_paper(), summary)
    message = DigestMessage(((card, "card"),))
    assert len(render_digest(message)) > 1  # the card needs more than one message
    fake_tg.add_chat(5, "private", "Reader")
    fake_tg.fail("sendMessage", kind, count=1, retry_after=1, after=1)  # the second part is refused once
    messenger = build_messenger(fake_tg.token, fake_tg.api_url, timeout=5)
    try:
        outcome = await messenger.send_digest(ChatRef("telegram", 5), message)
    finally:
        await messenger.aclose()
    assert isinstance(outcome, Sent)
    texts = [m.text for m in fake_tg.sent if m.chat_id == 5]
    assert texts == render_digest(message)  # every part exactly once, in order
