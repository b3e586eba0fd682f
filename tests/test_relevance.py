"""Relevance: vectors, scores, profiles and the digests they order — on real Redis, the fake arXiv, the fake
model (chat and embeddings) and the fake Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from redis.asyncio import Redis

from bot.app.composition import Pipeline, Services, build_services
from bot.core.delivery import DigestHeader
from bot.core.models import ChatRef
from bot.platforms.discord.embeds import header_content
from bot.platforms.telegram.digest import header_block
from bot.relevance.lexical import LexicalModel
from bot.relevance.ranking import Signal, score, similarities
from bot.relevance.vectors import Vector
from bot.store.feedback import Feedback, Tally, decay
from bot.store.keys import Keys
from scheduler.planning import plan_digest
from tests.conftest import SettingsFactory
from tests.fakes.arxiv_api import FakeArxiv
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_entities import parse_html
from tests.support.clock import Clock
from tests.support.digest import ABS_LINK, NOON, add_chat, drain, pipeline_for
from tests.support.telegram import telegram_bot
from tests.support.topics import RETRIEVAL, SPEECH, VISION, themed

DAY_ONE = "2026-11-18T10:00:00Z"


# ----- vectors and scores (pure) ---------------------------------------------------------------------
@given(
    st.integers(1, 5000),
    st.lists(st.floats(-10, 10, allow_nan=False, width=32), min_size=1, max_size=40),
    st.text(max_size=40),
)
def test_vectors_survive_the_cache(dim: int, values: list[float], label: str) -> None:
    indices = np.arange(len(values), dtype=np.int32) % dim
    vector = Vector(dim, indices, np.asarray(values, dtype=np.float32), label)
    back = Vector.from_json(vector.to_json())
    assert back.dim == dim
    assert back.label == label
    assert np.allclose(back.values, vector.values, atol=1e-4)
    assert (back.indices == vector.indices).all() or len(values) == dim


def test_lexical_similarity_finds_the_same_subject() -> None:
    retrieval = [p.to_paper() for p in themed(1, RETRIEVAL, DAY_ONE)]
    vision = [p.to_paper() for p in themed(20, VISION, DAY_ONE)]
    model = LexicalModel()
    liked, candidates = model.vectors([retrieval[0]]), model.vectors([retrieval[1], vision[0], vision[1]])
    sims = similarities(candidates, liked, model.weighting)
    assert sims[0, 0] > 2 * max(sims[1, 0], sims[2, 0])  # retrieval is closest to retrieval
    assert np.allclose(similarities(liked, liked, model.weighting), 1.0, atol=1e-5)


def test_scores_are_nearest_liked_minus_nearest_disliked_plus_topics() -> None:
    sims = np.array([[0.9, 0.1, 0.0], [0.2, 0.1, 0.8], [0.03, 0.04, 0.0]])
    signals = [Signal("a", 1.0), Signal("b", 0.5), Signal("c", -1.0)]
    scores = score(sims, signals, [1, 1, 3])
    assert scores.score == pytest.approx([0.9, 0.2 - 0.8, 0.03 + 0.1])
    # The second is nearer a disliked paper; the third is not similar enough to anything liked.
    assert scores.because == ["a", None, None]


def test_min_score_lists_weak_matches_as_links() -> None:
    retrieval = themed(1, RETRIEVAL, DAY_ONE)
    found = {"cs.CL": [p.to_paper() for p in retrieval]}
    ids = [p.arxiv_id for p in retrieval]
    scores = dict(zip(ids, [0.9, 0.1, 0.5, 0.05, 0.3, 0.2], strict=True))
    plan = plan_digest(found, set(), 3, scores)
    assert [c.paper.arxiv_id for c in plan.chosen] == [ids[0], ids[2], ids[4]]
    assert [c.paper.arxiv_id for c in plan.overflow] == [ids[5], ids[1], ids[3]]  # links by score too
    strict = plan_digest(found, set(), 3, scores, min_score=0.4)
    assert [c.paper.arxiv_id for c in strict.chosen] == [ids[0], ids[2]]
    assert (strict.below, len(strict.overflow)) == (1, 4)


# ----- the feedback store ------------------------------------------------------------------------
async def test_one_vote_per_member_changed_or_withdrawn(backend: Redis) -> None:
    clock = Clock(1_000_000.0)
    feedback = Feedback(backend, Keys("t:"), clock=clock)
    chat = ChatRef("telegram", -5)
    assert await feedback.vote(chat, "p1", "u1", 1) == Tally(1, 0, 1)
    assert await feedback.vote(chat, "p1", "u2", 1) == Tally(2, 0, 1)
    assert await feedback.vote(chat, "p1", "u1", -1) == Tally(1, 1, -1)  # changed
    assert await feedback.vote(chat, "p1", "u1", -1) == Tally(1, 0, 0)  # pressed again: withdrawn
    assert await feedback.tallies(chat, ["p1", "p2"]) == {"p1": Tally(1, 0), "p2": Tally(0, 0)}
    await feedback.add_seeds(chat, ["p3"], -1)
    clock.advance(30 * 86400)
    (profile,) = await feedback.preferences([chat])
    weights = {p.paper_id: p.weight for p in profile}
    assert weights["p1"] == pytest.approx(1.0 * decay(30 * 86400))
    assert weights["p3"] == pytest.approx(-0.5)  # a month old: half
    await feedback.forget(chat)
    assert await feedback.preferences([chat]) == [[]]
    assert await backend.keys("t:*") == []


# ----- digests ordered by what a chat likes --------------------------------------------------------
@pytest.fixture
async def services(digest_settings: SettingsFactory, redis: Redis) -> AsyncIterator[Services]:
    built = build_services(digest_settings())
    yield built
    await built.aclose()


@pytest.fixture
def pipeline(services: Services, fake_tg: FakeTelegram) -> Pipeline:
    return pipeline_for(services, fake_tg)


def cards_of(tg: FakeTelegram, chat_id: int, since: int) -> list[str]:
    """Paper ids of a chat's digest cards (papers with vote buttons) among messages sent after `since`."""
    found = []
    for message in tg.sent[since:]:
        if message.chat_id != chat_id:
            continue
        markup = message.params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            found.append(row[0]["callback_data"].split(":", 2)[2])
    return found


async def two_days(
    services: Services, pipeline: Pipeline, tg: FakeTelegram, arxiv: FakeArxiv
) -> tuple[ChatRef, ChatRef, int, list[str], list[str]]:
    """Day one: both chats get retrieval and vision papers; the liking chat votes. Day two's papers, the
    newest of which are about vision."""
    liking = await add_chat(services, tg, 1, ["cs.CL"], max_papers=4)
    control = await add_chat(services, tg, 2, ["cs.CL"], max_papers=4)
    day_one = themed(1, RETRIEVAL[:3], DAY_ONE) + themed(4, VISION[:2], DAY_ONE)
    arxiv.new_day(NOON.date(), {"cs.CL": [(p, "new") for p in day_one]})
    for chat in (liking, control):
        await pipeline.planner.plan(chat, NOON)
    await drain(pipeline)
    for paper_id in ("2411.00001", "2411.00002", "2411.00003"):  # 👍 on the three retrieval cards
        await services.feedback.vote(liking, paper_id, "telegram:7", 1)
    for paper_id in ("2411.00004", "2411.00005"):  # 👎 on the two vision cards
        await services.feedback.vote(liking, paper_id, "telegram:7", -1)
    retrieval = themed(10, RETRIEVAL[3:], "2026-11-19T08:00:00Z")
    vision = themed(20, VISION[2:], "2026-11-19T09:00:00Z")  # newer: the default order puts them first
    speech = themed(30, SPEECH, "2026-11-19T07:00:00Z")
    day_two = retrieval + vision + speech
    arxiv.new_day(NOON.date() + timedelta(days=1), {"cs.CL": [(p, "new") for p in day_two]})
    return liking, control, len(tg.sent), [p.arxiv_id for p in retrieval], [p.arxiv_id for p in vision]


async def test_a_chat_that_likes_retrieval_gets_retrieval_the_next_day(
    services: Services, pipeline: Pipeline, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv, fake_llm: FakeOpenAI
) -> None:
    liking, control, since, retrieval, vision = await two_days(services, pipeline, fake_tg, fake_arxiv)
    calls = fake_llm.calls
    for chat in (liking, control):
        await pipeline.planner.plan(chat, NOON + timedelta(days=1))
    await drain(pipeline)
    liked_cards, default_cards = cards_of(fake_tg, 1, since), cards_of(fake_tg, 2, since)
    assert sorted(default_cards) == sorted(vision)  # "topics, then newest": vision
    assert set(liked_cards[:3]) == set(retrieval)  # the profile: retrieval first
    assert not set(liked_cards) & set(vision)  # the disliked subject is not among the cards
    messages = [m for m in fake_tg.sent[since:] if m.chat_id == 1]
    text = "\n".join(m.visible_text for m in messages)
    assert text.count("which this chat liked") >= 3  # each retrieval card says why
    assert "similar to “Dense Passage Retrieval" in text or "similar to “Retrieval-Augmented" in text
    assert fake_llm.calls - calls == len(set(liked_cards) | set(default_cards))  # no extra model calls
    assert all(paper in {m for msg in messages for m in ABS_LINK.findall(msg.text)} for paper in liked_cards)


async def test_embeddings_once_per_paper_and_a_fallback_when_they_fail(
    digest_settings: SettingsFactory,
    fake_tg: FakeTelegram,
    fake_arxiv: FakeArxiv,
    fake_llm: FakeOpenAI,
    redis: Redis,
) -> None:
    services = build_services(digest_settings(embedding_model="fake-embedding-1", llm_timeout_seconds=1))
    pipeline = pipeline_for(services, fake_tg)
    try:
        liking, control, since, retrieval, _vision = await two_days(services, pipeline, fake_tg, fake_arxiv)
        second = await add_chat(services, fake_tg, 3, ["cs.CL"], max_papers=4)
        await services.feedback.add_seeds(second, ["2411.00001"], 1)
        for chat in (liking, control, second):
            await pipeline.planner.plan(chat, NOON + timedelta(days=1))
        await drain(pipeline)
        embedded = fake_llm.embedded
        assert len(embedded) == len(set(embedded))  # every paper embedded once, for every chat
        assert len(embedded) == 9 + 5  # day two's papers and the five profile papers
        assert set(cards_of(fake_tg, 1, since)[:3]) == set(retrieval)
        fake_llm.embedding_mode = "500"
        fake_arxiv.new_day(
            NOON.date() + timedelta(days=2),
            {"cs.CL": [(p, "new") for p in themed(40, RETRIEVAL[:2], "2026-11-20T08:00:00Z")]},
        )
        before = len(fake_tg.sent)
        await pipeline.planner.plan(liking, NOON + timedelta(days=2))
        await drain(pipeline)
        assert len(cards_of(fake_tg, 1, before)) == 2  # the digest still went out, ranked lexically
        assert services.metrics.embedding_fallbacks._value.get() == 1
    finally:
        await pipeline.aclose()
        await services.aclose()


async def test_votes_round_trip_through_the_bot_api(
    services: Services, pipeline: Pipeline, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv
) -> None:
    group = await add_chat(services, fake_tg, -100777, ["cs.CL"], kind="group")
    fake_tg.chats[-100777].members[66] = "left"  # once a member; the buttons still show on their screen
    fake_arxiv.new_day(NOON.date(), {"cs.CL": [(p, "new") for p in themed(1, RETRIEVAL[:2], DAY_ONE)]})
    await pipeline.planner.plan(group, NOON)
    await drain(pipeline)
    (digest,) = [m for m in fake_tg.sent if m.chat_id == -100777]
    rows = digest.params["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in rows] == [
        ["👍 Dense Passage Retrieval…", "👎"],
        ["👍 Retrieval-Augmented…", "👎"],
    ]
    text = digest.text
    async with telegram_bot(services, pipeline=pipeline):
        await fake_tg.push_button(-100777, 5, digest.message_id, "vote:+:2411.00001")
        await wait_for(lambda: len(fake_tg.answers) == 1)
        assert fake_tg.answers == ["👍 Noted: more like this."]
        await wait_for(lambda: len(fake_tg.markup_edits) == 1)
        labels = [[b["text"] for b in row] for row in digest.params["reply_markup"]["inline_keyboard"]]
        assert labels[0] == ["👍 Dense Passage Retrieval… · 1", "👎"]
        assert digest.text == text  # the card itself is never edited
        await fake_tg.push_button(-100777, 66, digest.message_id, "vote:-:2411.00002")  # left the group
        await fake_tg.push_button(-100777, 5, digest.message_id, "vote:+:2402.01349")  # forged: not sent here
        await wait_for(lambda: len(fake_tg.answers) == 3)
        assert fake_tg.answers[1:] == [
            "Only members of this chat can vote here.",
            "That paper was not in this chat's digests.",
        ]
        assert len(fake_tg.markup_edits) == 1
    assert await services.feedback.tallies(group, ["2411.00001", "2411.00002"]) == {
        "2411.00001": Tally(1, 0),
        "2411.00002": Tally(0, 0),
    }
    assert fake_tg.sent[-1] is digest  # no message was sent into the group for a vote


async def wait_for(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the condition did not hold in time")
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("mode", ["429", "500", "timeout"])
async def test_a_failing_embeddings_endpoint_falls_back_to_lexical(
    llm_settings: SettingsFactory, fake_llm: FakeOpenAI, redis: Redis, mode: str
) -> None:
    services = build_services(
        llm_settings(embedding_model="fake-embedding-1", llm_timeout_seconds=0.5, llm_max_retries=0)
    )
    try:
        papers = [p.to_paper() for p in themed(1, RETRIEVAL[:3], DAY_ONE)]
        first = await services.vectors.vectors(papers[:2])
        assert first.model == "embedding:fake-embedding-1"
        fake_llm.embedding_mode = mode
        second = await services.vectors.vectors(papers)  # one paper is new: the endpoint is asked
        assert second.model == "lexical-v1"  # never a mix of the two models
        assert set(second.by_paper) == {p.arxiv_id for p in papers}
        assert services.metrics.embedding_fallbacks._value.get() == 1
    finally:
        await services.aclose()


def test_both_platforms_say_how_many_papers_fell_under_min_score() -> None:
    day = NOON.date()
    telegram = parse_html(header_block(DigestHeader(day, 7, ("cs.CL",), below=2))).text
    assert "2 papers score below this chat's min_score: listed as links, not cards." in telegram
    assert "min_score" not in parse_html(header_block(DigestHeader(day, 7, ("cs.CL",)))).text
    discord = header_content(DigestHeader(day, 7, ("cs.CL",), below=1))
    assert "1 paper scores below this chat's min\\_score: listed as links, not cards." in discord
