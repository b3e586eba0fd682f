"""Discord's outbound side: embeds within every limit, untrusted text escaped, outcomes classified, and the
unchanged digest pipeline delivering to a Discord channel through the same Messenger port."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis

from bot.app.composition import Services, build_pipeline, build_services
from bot.core.chat_settings import ChatSettings
from bot.core.delivery import (
    DigestHeader,
    DigestMessage,
    Failed,
    Mode,
    Outcome,
    Refused,
    Retry,
    Sent,
    Uncertain,
)
from bot.core.models import Card, CardsReply, ChatRef, TextReply, bold, code
from bot.platforms.discord.embeds import (
    card_embed,
    digest_payload,
    escape,
    fit,
    pack_items,
    reply_payloads,
)
from bot.platforms.discord.messenger import (
    RESET_MARGIN_SECONDS,
    DiscordMessenger,
    classify_answer,
    digest_nonce,
    resend_when_unanswered,
)
from bot.store.pacing import hold_for
from tests.conftest import SettingsFactory
from tests.fakes.arxiv_api import FakeArxiv
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_rules import check_embed, check_message, embed_total
from tests.support.cards import card
from tests.support.digest import drain, paper

CHANNEL = 881_000_000_000_000_001
SPECIAL = set("\\*_~`|>#-[]()<@")

pieces = st.sampled_from(
    ["[x](https://evil.example)", "@everyone", "<@123>", "**", "__", "`", "\\", "> ", "# ", "- ", "|", "~~"]
)
hostile = st.lists(st.one_of(pieces, st.text(max_size=40)), max_size=300).map("".join)


def unescaped_special(text: str) -> list[str]:
    """Markdown characters not preceded by an escaping backslash."""
    found, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            index += 2
            continue
        if char in SPECIAL:
            found.append(char)
        index += 1
    return found


@given(hostile)
def test_escape_leaves_no_markdown_or_mentions(text: str) -> None:
    assert unescaped_special(escape(text)) == []


@given(hostile, st.integers(min_value=2, max_value=600))
def test_fit_respects_the_limit_and_never_cuts_an_escape(text: str, limit: int) -> None:
    fitted = fit(text, limit)
    assert len(fitted) <= limit
    assert unescaped_special(fitted) == []


huge = st.text(min_size=1, max_size=30).map(lambda s: (s * 4000)[:4000])  # always 4,000 characters


@settings(max_examples=30, deadline=None)
@given(title=hostile, abstract=huge, summary=huge, takeaways=st.lists(huge, min_size=1, max_size=7))
def test_the_largest_card_fits_one_embed(
    title: str, abstract: str, summary: str, takeaways: list[str]
) -> None:
    worst = card(
        title=title or "t",
        abstract=abstract,
        summary=summary,
        tldr=summary,
        takeaways=tuple(takeaways),
        comment=abstract,
        authors=tuple(abstract[i : i + 80] for i in range(0, 2000, 80)),
        translated_title=title or None,
        translated_abstract=abstract,
        matched_topics=("cs.CL", 'all:"few-shot" AND cat:cs.LG'),
        code_url="https://github.com/x/y",
    )
    embed = card_embed(worst)
    check_embed(embed)  # the fake's own validator: Discord's per-embed limits
    assert embed_total(embed) <= 6000
    assert "[x](https://evil" not in embed["description"]


modes = st.sampled_from(["card", "row", "link"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), modes), min_size=1, max_size=40))
def test_packed_digests_are_accepted_and_keep_every_paper_once(spec: list[tuple[int, Mode]]) -> None:
    sizes = [10, 400, 1500, 3000]
    items: list[tuple[Card, Mode]] = [
        (
            card(
                arxiv_id=f"2411.{n:05d}", url=f"https://arxiv.org/abs/2411.{n:05d}", summary="s" * sizes[size]
            ),
            mode,
        )
        for n, (size, mode) in enumerate(spec)
    ]
    items.sort(key=lambda item: item[1] == "link")  # the planner puts links last
    more = sum(1 for _, mode in items if mode == "link")
    groups = pack_items(items, more)
    assert [i for group in groups for i in group] == list(range(len(items)))
    header = DigestHeader(card().published.date(), len(items), ("cs.CL",))
    for n, group in enumerate(groups):
        message = DigestMessage(tuple(items[i] for i in group), header if n == 0 else None, more)
        check_message(digest_payload(message))  # raises DiscordError where Discord would refuse


def test_replies_are_content_with_no_mentions() -> None:
    (body,) = reply_payloads(TextReply.of("Try ", code("/subscribe cs.CL"), " or ", bold("@everyone [x](y)")))
    assert body["content"] == "Try `/subscribe cs.CL` or **\\@everyone \\[x\\]\\(y\\)**"
    assert body["allowed_mentions"] == {"parse": [], "replied_user": False}
    bodies = reply_payloads(CardsReply((card(), card(arxiv_id="2402.00002"))))
    assert [len(b["embeds"]) for b in bodies] == [1, 1]


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(channels={CHANNEL}) as server:
        yield server


@pytest.fixture
async def messenger(discord: FakeDiscord) -> AsyncIterator[DiscordMessenger]:
    built = DiscordMessenger(discord.api_url, discord.token, timeout=2)
    yield built
    await built.aclose()


async def test_outcomes_are_classified(discord: FakeDiscord, messenger: DiscordMessenger) -> None:
    chat = ChatRef("discord", CHANNEL)
    message = DigestMessage(((card(), "card"),))
    sent = await messenger.send_digest(chat, message)
    assert isinstance(sent, Sent)
    assert sent.message_id == discord.posted[-1].id
    assert discord.posted[-1].body["allowed_mentions"]["parse"] == []
    discord.rate_limit_next = 1
    assert await messenger.send_digest(chat, message) == Retry(
        0.05, "rate limited by Discord in this channel", True
    )
    discord.fail_next_5xx = 1
    assert isinstance(await messenger.send_digest(chat, message), Retry)
    for code_, words in [(50013, "lacks permission"), (10003, "no longer exists"), (50083, "archived")]:
        discord.refusing[CHANNEL] = code_
        outcome = await messenger.send_digest(chat, message)
        assert isinstance(outcome, Refused)
        assert words in outcome.reason
    discord.refusing.clear()
    assert isinstance(await messenger.send_digest(ChatRef("discord", 5), message), Refused)  # unknown channel
    wrong = DiscordMessenger(discord.api_url, "not-the-token", timeout=2)
    try:
        outcome = await wrong.send_digest(chat, message)
    finally:
        await wrong.aclose()
    assert isinstance(outcome, Retry)
    assert outcome.after == 30.0
    too_long = DigestMessage(((replace(card(), url="https://arxiv.org/abs/" + "9" * 5000), "card"),))
    assert isinstance(await messenger.send_digest(chat, too_long), Failed)  # a 400 is final, not retried


async def test_reply_answers_the_message(discord: FakeDiscord, messenger: DiscordMessenger) -> None:
    outcome = await messenger.send_reply(ChatRef("discord", CHANNEL), TextReply.of("hello"), reply_to="42")
    assert isinstance(outcome, Sent)
    body = discord.posted[-1].body
    assert body["message_reference"] == {"message_id": "42", "fail_if_not_exists": False}
    assert body["content"] == "hello"


@pytest.fixture
async def feed_services(
    make_settings: SettingsFactory, fake_arxiv: FakeArxiv, redis: Redis
) -> AsyncIterator[Services]:
    built = build_services(make_settings(arxiv_rss_url=fake_arxiv.rss_url))
    yield built
    await built.aclose()


async def test_the_digest_pipeline_delivers_to_a_discord_channel_unchanged(
    feed_services: Services, fake_arxiv: FakeArxiv, discord: FakeDiscord, messenger: DiscordMessenger
) -> None:
    services = feed_services
    for n in range(1, 15):
        fake_arxiv.announce("cs.CL", paper(n))
    chat = ChatRef("discord", CHANNEL)
    await services.chats.ensure_chat(
        chat, "group", "#papers", ChatSettings("en", "09:00", "UTC", max_papers=12)
    )
    await services.chats.subscribe(chat, "cs.CL", 25)
    pipeline = build_pipeline(services, {"discord": messenger}, consumer="d", pacing=False)
    report = await pipeline.digest_now(chat)
    assert report == 14
    await drain(pipeline)
    entries = await services.ledger.entries(chat)
    assert sorted(e.state for e in entries.values()) == ["sent"] * 14
    posted = [p.body for p in discord.posted]
    assert posted[0]["content"].startswith("📚 **arXiv digest")
    linked = [
        m
        for body in posted
        for e in body["embeds"]
        for m in re.findall(r"abs/(2411\.\d+)", e.get("url", "") + e.get("description", ""))
    ]
    assert sorted(set(linked)) == [f"2411.{n:05d}" for n in range(1, 15)]
    assert sum(len(body["embeds"]) for body in posted) == 13  # 12 cards and one list of 2 links


def test_rate_limit_headers_and_global_429s_are_classified() -> None:
    spent = classify_answer(
        200, {"id": "9"}, {"x-ratelimit-remaining": "0", "x-ratelimit-reset-after": "1.25"}
    )
    assert spent == Sent("9", pause=1.25 + RESET_MARGIN_SECONDS)
    assert classify_answer(
        200, {"id": "9"}, {"x-ratelimit-remaining": "3", "x-ratelimit-reset-after": "1"}
    ) == Sent("9")
    everywhere = classify_answer(429, {"retry_after": 0.4, "global": True}, {})
    assert everywhere == Retry(0.4, "rate limited by Discord globally", rate_limited=True, scope="global")
    route = classify_answer(429, {"retry_after": 0.2, "global": False}, {"x-ratelimit-scope": "user"})
    assert isinstance(route, Retry)
    assert route.scope == "chat"


@pytest.mark.parametrize(
    ("outcome", "held"),
    [
        (Retry(2.0, "429", rate_limited=True), ("chat:discord:5", 2.0)),
        (Retry(2.0, "429", rate_limited=True, scope="global"), ("global:discord", 2.0)),
        (Retry(2.0, "500"), None),
        (Sent("1", pause=0.7), ("chat:discord:5", 0.7)),
        (Sent("1"), None),
        (Failed("400"), None),
    ],
)
def test_what_an_outcome_holds(outcome: Outcome, held: tuple[str, float] | None) -> None:
    assert hold_for(ChatRef("discord", 5), outcome) == held


def test_a_digest_message_has_one_nonce_per_chat_and_papers() -> None:
    one = DigestMessage(((card(), "card"),))
    nonce = digest_nonce(ChatRef("discord", 1), one)
    assert len(nonce) <= 25
    assert digest_nonce(ChatRef("discord", 1), one) == nonce  # a resend of the same message: the same nonce
    assert digest_nonce(ChatRef("discord", 2), one) != nonce
    assert (
        digest_nonce(ChatRef("discord", 1), DigestMessage(((card(arxiv_id="2402.00002"), "card"),))) != nonce
    )


@pytest.mark.parametrize(
    ("answers", "final"),
    [
        ([Sent("1")], Sent("1")),
        ([Retry(1, "500")], Retry(1, "500")),  # nothing ambiguous: the worker decides about retrying
        ([Uncertain("timeout"), Sent("1")], Sent("1")),  # the resend learned it went out (deduplicated)
        ([Uncertain("timeout"), Retry(0, "500"), Sent("1")], Sent("1")),
        ([Uncertain("timeout")] * 3, Uncertain("timeout")),
        ([Uncertain("timeout"), Retry(0, "500"), Retry(0, "500")], "uncertain"),
        ([Uncertain("timeout"), Failed("400")], "uncertain"),
    ],
)
async def test_an_unanswered_send_is_resent_with_its_nonce(
    answers: list[Outcome], final: Outcome | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.platforms.discord.messenger.RESEND_DELAY_SECONDS", 0)
    queue = list(answers)

    async def send() -> Outcome:
        return queue.pop(0)

    outcome = await resend_when_unanswered(send)
    if final == "uncertain":
        assert isinstance(outcome, Uncertain)
    else:
        assert outcome == final
    assert queue == []  # no more attempts than needed
