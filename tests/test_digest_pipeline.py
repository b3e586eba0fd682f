"""The daily digest end to end: fake arXiv feeds/API → planner → Redis Streams → worker → fake Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from bot.app.composition import Pipeline, Services, build_services
from bot.core.models import ChatRef
from tests.conftest import SettingsFactory
from tests.fakes.arxiv_api import FakeArxiv
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_entities import parse_html
from tests.support.digest import (
    NOON,
    add_chat,
    audit,
    check_invariants,
    drain,
    paper,
    pipeline_for,
    scheduler_of,
)
from tests.support.telegram import ask, telegram_bot


@pytest.fixture
async def services(digest_settings: SettingsFactory, redis: Redis) -> AsyncIterator[Services]:
    built = build_services(digest_settings())
    yield built
    await built.aclose()


@pytest.fixture
def pipeline(services: Services, fake_tg: FakeTelegram) -> Pipeline:
    return pipeline_for(services, fake_tg)


def announce_day(fake_arxiv: FakeArxiv, *, at_noon: bool = True) -> None:
    if at_noon:  # the listing the feeds show at the tests' clock (else: at the real one)
        fake_arxiv.today = NOON.date()
    for n in range(1, 6):
        fake_arxiv.announce("cs.CL", paper(n))
    for n in range(6, 9):
        fake_arxiv.announce("cs.LG", paper(n, "cs.LG"))
    both = paper(9, "cs.CL", categories=("cs.CL", "cs.LG"), title="A cross-listed paper on diffusion")
    fake_arxiv.announce("cs.CL", both)
    fake_arxiv.announce("cs.LG", both, "cross")
    old = paper(10, title="An old paper, replaced today", published="2026-09-01T10:00:00Z", version=2)
    fake_arxiv.announce("cs.CL", old, "replace")


async def test_clean_run_delivers_each_paper_once_per_chat(
    services: Services, pipeline: Pipeline, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv, fake_llm: FakeOpenAI
) -> None:
    announce_day(fake_arxiv)
    a = await add_chat(services, fake_tg, 1, ["cs.CL"])
    b = await add_chat(services, fake_tg, 2, ["cs.CL", "cs.LG"])
    c = await add_chat(services, fake_tg, -100003, ['all:"diffusion"'], kind="group")
    scheduler = scheduler_of(services, pipeline, clock=lambda: NOON)
    reports = await scheduler.tick()
    assert sorted(r.planned for r in reports) == [1, 6, 9]
    await drain(pipeline)

    result = await audit(services, fake_tg, [a, b, c])
    check_invariants(result, max_uncertain=0)
    delivered = {pair for pair, n in result.accepted.items() if n}
    assert {p for chat, p in delivered if chat == 1} == {f"2411.{n:05d}" for n in (1, 2, 3, 4, 5, 9)}
    assert {p for chat, p in delivered if chat == 2} == {f"2411.{n:05d}" for n in range(1, 10)}
    assert {p for chat, p in delivered if chat == -100003} == {"2411.00009"}
    assert result.states() == {"sent": 16}
    # Each paper was summarized once for all chats (language en).
    assert fake_llm.calls == 9
    # Digests open with a header and pack several cards per message.
    chat_two = [m for m in fake_tg.sent if m.chat_id == 2]
    assert chat_two[0].visible_text.startswith("📚 arXiv digest · Thu 19 Nov 2026\n9 new papers for")
    assert len(chat_two) < 9
    for message in fake_tg.sent:
        parse_html(message.text)
    cross = next(m for m in chat_two if "A cross-listed paper on diffusion" in m.visible_text)
    assert "Matched: cs.CL, cs.LG" in cross.visible_text
    # arXiv was asked for the two feeds in one request, and metadata in one batch.
    assert fake_arxiv.rss_requests == ["cs.CL+cs.LG"]


async def test_same_day_is_not_planned_twice_and_replacements_never_resent(
    services: Services, pipeline: Pipeline, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv
) -> None:
    announce_day(fake_arxiv)
    await add_chat(services, fake_tg, 1, ["cs.CL"])
    scheduler = scheduler_of(services, pipeline, clock=lambda: NOON)
    assert len(await scheduler.tick()) == 1
    assert await scheduler.tick() == []  # the round for 19 Nov is done
    await drain(pipeline)
    sent = len(fake_tg.sent)
    # The next day arXiv re-announces paper 1 as a new version (replace): it is not sent again.
    fake_arxiv.listings = {"cs.CL": [(replace(paper(1), version=2), "replace"), (paper(11), "new")]}
    later = scheduler_of(services, pipeline, clock=lambda: NOON + timedelta(days=1))
    await later.tick()
    await drain(pipeline)
    new_messages = fake_tg.sent[sent:]
    text = " ".join(m.visible_text for m in new_messages)
    assert "Paper number 11" in text
    assert "Paper number 1 " not in text


async def test_max_papers_lists_the_rest_as_links(
    services: Services, pipeline: Pipeline, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv, fake_llm: FakeOpenAI
) -> None:
    for n in range(1, 8):
        fake_arxiv.announce("cs.CL", paper(n))
    chat = await add_chat(services, fake_tg, 1, ["cs.CL"], max_papers=3)
    await pipeline.planner.plan(chat, NOON)
    await drain(pipeline)
    text = "\n".join(m.visible_text for m in fake_tg.sent)
    assert "4 more new papers" in text
    assert fake_llm.calls == 3  # papers beyond the limit are listed, not summarized
    result = await audit(services, fake_tg, [chat])
    check_invariants(result, max_uncertain=0)
    assert {e.mode for e in result.ledger.values()} == {"card", "link"}


async def test_compact_style_is_one_line_per_paper(
    services: Services, pipeline: Pipeline, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv
) -> None:
    for n in range(1, 13):
        fake_arxiv.announce("cs.CL", paper(n))
    chat = await add_chat(services, fake_tg, 1, ["cs.CL"], style="compact")
    await pipeline.planner.plan(chat, NOON)
    await drain(pipeline)
    assert len(fake_tg.sent) == 1
    text = fake_tg.sent[0].visible_text
    assert text.count("• ") == 12
    assert "Key takeaways" not in text


@pytest.mark.parametrize("mode", ["503", "hang", "garbage"])
async def test_failed_fetch_sends_nothing_and_retries_later(
    services: Services, pipeline: Pipeline, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv, mode: str
) -> None:
    announce_day(fake_arxiv)
    await add_chat(services, fake_tg, 1, ["cs.CL"])
    fake_arxiv.rss_mode = mode
    scheduler = scheduler_of(services, pipeline, clock=lambda: NOON)
    (report,) = await scheduler.tick()
    assert report.failed_topics
    await drain(pipeline)
    assert fake_tg.sent == []
    assert await scheduler.tick() == []  # not before the retry time
    fake_arxiv.rss_mode = "ok"
    later = scheduler_of(services, pipeline, clock=lambda: NOON + timedelta(minutes=16))
    (retry,) = await later.tick()
    assert retry.planned == 6
    await drain(pipeline)
    assert len(fake_tg.sent) >= 1


async def test_day_without_announcements_sends_nothing(
    services: Services, pipeline: Pipeline, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv
) -> None:
    chat = await add_chat(services, fake_tg, 1, ["cs.CL"])
    (report,) = await scheduler_of(services, pipeline, clock=lambda: NOON).tick()
    assert (report.found, report.planned, report.failed_topics) == (0, 0, {})
    await drain(pipeline)
    assert fake_tg.sent == []
    rounds = await pipeline.planner.state.read(chat)
    assert rounds["day"] == "2026-11-19"


async def test_paused_and_inactive_chats_are_skipped(
    services: Services, pipeline: Pipeline, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv
) -> None:
    announce_day(fake_arxiv)
    paused = await add_chat(services, fake_tg, 1, ["cs.CL"], paused=True)
    gone = await add_chat(services, fake_tg, 2, ["cs.CL"])
    await services.chats.set_active(gone, active=False, reason="blocked")
    assert await scheduler_of(services, pipeline, clock=lambda: NOON).tick() == []
    assert await services.ledger.entries(paused) == {}


async def test_chat_time_and_zone_decide_when(
    services: Services, pipeline: Pipeline, fake_tg: FakeTelegram
) -> None:
    tokyo = await add_chat(services, fake_tg, 1, ["cs.CL"], time="08:00", timezone="Asia/Tokyo")
    berlin = await add_chat(services, fake_tg, 2, ["cs.CL"], time="18:00", timezone="Europe/Berlin")
    due_noon = await scheduler_of(services, pipeline).due_chats(NOON)
    assert due_noon == [tokyo]  # 21:00 in Tokyo; 13:00 in Berlin
    due_evening = await scheduler_of(services, pipeline).due_chats(NOON + timedelta(hours=5))
    assert due_evening == [berlin]  # 18:00 in Berlin; 02:00 the next day in Tokyo, before its 08:00


async def test_two_schedulers_never_plan_the_same_round_twice(
    llm_settings: SettingsFactory,
    services: Services,
    fake_tg: FakeTelegram,
    fake_arxiv: FakeArxiv,
) -> None:
    announce_day(fake_arxiv)
    for chat_id in range(1, 6):
        await add_chat(services, fake_tg, chat_id, ["cs.CL"])
    other_services = build_services(services.settings)
    try:
        one = pipeline_for(services, fake_tg, consumer="a")
        two = pipeline_for(other_services, fake_tg, consumer="b")
        reports = await asyncio.gather(
            scheduler_of(services, one, clock=lambda: NOON).tick(),
            scheduler_of(other_services, two, clock=lambda: NOON).tick(),
        )
        planned = [r for batch in reports for r in batch if r.planned]
        assert len(planned) == 5
        await drain(one)
        result = await audit(services, fake_tg, [ChatRef("telegram", i) for i in range(1, 6)])
        check_invariants(result, max_uncertain=0)
        assert sum(result.accepted.values()) == 30
    finally:
        await other_services.aclose()


async def test_digest_command_delivers_now(
    services: Services, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv
) -> None:
    user = 4242
    announce_day(fake_arxiv, at_noon=False)  # /digest runs on the real clock
    pipeline = pipeline_for(services, fake_tg)
    async with telegram_bot(services, pipeline=pipeline):
        assert "follows no topics yet" in await ask(fake_tg, "/digest", user)
        await ask(fake_tg, "/subscribe cs.CL", user)
        assert "6 new papers are on the way" in await ask(fake_tg, "/digest", user)
        await drain(pipeline)
        assert "Nothing new since your last digest" in await ask(fake_tg, "/digest", user)
        assert "Nothing new since your last digest" in await ask(fake_tg, "/digest", user)
        assert "3 digests this hour already" in await ask(fake_tg, "/digest", user)
    digest = [m for m in fake_tg.sent if m.visible_text.startswith("📚 arXiv digest")]
    assert len(digest) == 1


async def test_keyword_lookback_starts_at_the_last_successful_digest(
    services: Services, pipeline: Pipeline, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv
) -> None:
    await add_chat(services, fake_tg, 1, ['all:"diffusion"'])
    await scheduler_of(services, pipeline, clock=lambda: NOON).tick()
    await scheduler_of(services, pipeline, clock=lambda: NOON + timedelta(days=3)).tick()
    windows = [
        r["search_query"].split("submittedDate:")[1] for r in fake_arxiv.requests if "search_query" in r
    ]
    # First round: the last day. Next: from the first round's success, not from "yesterday".
    assert windows == ["[202611181200 TO 202611191200]", "[202611191200 TO 202611221200]"]
    await scheduler_of(services, pipeline, clock=lambda: NOON + timedelta(days=13)).tick()
    assert fake_arxiv.requests[-1]["search_query"].endswith(
        "[202611251200 TO 202612021200]"
    )  # at most 7 days


async def test_llm_concurrency_is_bounded(
    digest_settings: SettingsFactory,
    fake_tg: FakeTelegram,
    fake_arxiv: FakeArxiv,
    fake_llm: FakeOpenAI,
    redis: Redis,
) -> None:
    for n in range(1, 9):
        fake_arxiv.announce("cs.CL", paper(n))
    fake_llm.latency = 0.1
    services = build_services(digest_settings(llm_max_concurrency=2))
    try:
        pipeline = pipeline_for(services, fake_tg)
        chat = await add_chat(services, fake_tg, 1, ["cs.CL"])
        await pipeline.planner.plan(chat, NOON)
        await pipeline.aclose()
    finally:
        await services.aclose()
    assert fake_llm.calls == 8
    assert fake_llm.most_in_flight == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [("timezone", "Mars/Olympus"), ("timezone", "Etc/Nowhere"), ("max_papers", "many")],
)
async def test_one_corrupt_chat_record_does_not_stop_the_others(
    services: Services,
    pipeline: Pipeline,
    fake_tg: FakeTelegram,
    fake_arxiv: FakeArxiv,
    redis: Redis,
    field: str,
    value: str,
) -> None:
    announce_day(fake_arxiv)
    broken = await add_chat(services, fake_tg, 1, ["cs.CL"])
    fine = await add_chat(services, fake_tg, 2, ["cs.CL"])
    await redis.hset(services.keys.chat(broken), field, value)  # e.g. a zone this host cannot resolve
    reports = await scheduler_of(services, pipeline, clock=lambda: NOON).tick()
    assert [(r.chat, r.planned) for r in reports] == [(fine, 6)]
    await drain(pipeline)
    assert {m.chat_id for m in fake_tg.sent} == {2}
    skipped = services.metrics.registry.get_sample_value(
        "arxivbot_bad_chat_records_total", {"stage": "schedule"}
    )
    assert skipped == 1
