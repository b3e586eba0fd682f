"""Input a careless crowd or an attacker sends (issue 12): every one gets a specific answer, none a "Sorry".

In-process through the fake platform on real Redis; what only a platform can show (toasts, posted
messages) is tested against the fake Bot API in test_subscriptions_e2e.
"""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from bot.core.models import CardsReply, ChatRef, TextReply
from bot.core.topics import MAX_TOPIC_LENGTH
from handlers.failures import SORRY
from handlers.subscriptions import UNSUBSCRIBE_PREFIX
from tests.fakes.arxiv_api import FakeArxiv
from tests.support.digest import drain, paper
from tests.support.fake_platform import FakePlatform, text_of
from tests.support.keyspace import chat_state

CHAT = ChatRef("cli", 1)
# Stored by a release that measured the typed text only: longer than today's limit once written out.
LEGACY_LONG = " OR ".join(f"all:term{n}" for n in sorted(range(22), key=str))
# Stored before its category was retired from the taxonomy: no longer parses at all.
LEGACY_BROKEN = "cs.RETIRED"


async def _plant(platform: FakePlatform, *topics: str) -> None:
    """Topics stored by an older release (the store takes what it is given)."""
    for topic in topics:
        await platform.commands.chats.subscribe(CHAT, topic, 100)


async def test_topics_stored_by_older_releases_are_listed_and_removable(platform: FakePlatform) -> None:
    assert len(LEGACY_LONG) > MAX_TOPIC_LENGTH
    await platform.send("/subscribe cs.CL")
    await _plant(platform, LEGACY_LONG, LEGACY_BROKEN)
    listing = await platform.send("/topics")
    shown = text_of(listing)
    assert "This chat follows 3 topics" in shown
    assert LEGACY_LONG in shown
    assert f"{LEGACY_BROKEN} — ⚠ can no longer be read" in shown
    assert SORRY not in shown
    # Copied from /topics: removed by its stored text even though today's parser refuses it.
    assert f"Unsubscribed from {LEGACY_LONG}" in text_of(await platform.send(f"/unsubscribe {LEGACY_LONG}"))
    # Its button works too.
    assert isinstance(listing, TextReply)
    broken = next(b for b in listing.buttons if LEGACY_BROKEN in b.label)
    answer = await platform.press(broken.payload)
    assert answer is not None
    assert answer.notice == f"Unsubscribed from {LEGACY_BROKEN}"
    await _plant(platform, LEGACY_BROKEN)
    everything = text_of(await platform.send("/unsubscribe all"))
    assert everything.startswith("Unsubscribed from all 2 topics")
    assert LEGACY_BROKEN in everything
    assert await platform.commands.chats.topics(CHAT) == []


async def test_unsubscribe_suggestions_include_unreadable_topics(platform: FakePlatform) -> None:
    await _plant(platform, LEGACY_BROKEN)
    choices = await platform.complete("unsubscribe", "topic", "cs.")
    assert [c.value for c in choices] == [LEGACY_BROKEN]


async def test_a_twenty_term_query_is_refused_before_it_is_stored(
    platform: FakePlatform, redis: Redis
) -> None:
    before = await chat_state(redis)
    reply = text_of(await platform.send("/subscribe " + " OR ".join(f"term{n}" for n in range(20))))
    assert "written out in full it is 266 characters long" in reply
    assert "/subscribe cs.CL" in reply  # an example that works
    assert await chat_state(redis) == before


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("/subscribe few\u200bshot", "invisible or control character (U+200B)"),
        ("/subscribe cs.CL\u202e", "invisible or control character (U+202E)"),
    ],
)
async def test_invisible_characters_are_refused(
    platform: FakePlatform, redis: Redis, typed: str, reason: str
) -> None:
    before = await chat_state(redis)
    assert reason in text_of(await platform.send(typed))
    assert await chat_state(redis) == before


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("/settings time ٠٨:٣٠", ("time", "08:30")),  # Arabic-Indic digits
        ("/settings time ０７：１５", ("time", "07:15")),  # full-width
        ("/settings max_papers ²", ("max_papers", "2")),  # a superscript is its digit
        ("/settings max_papers ۲۰", ("max_papers", "20")),  # Persian digits
        ("/settings ｓｔｙｌｅ ｃｏｍｐａｃｔ", ("style", "compact")),
    ],
)
async def test_other_scripts_digits_and_full_width_input_are_read_as_ascii(
    platform: FakePlatform, redis: Redis, typed: str, stored: tuple[str, str]
) -> None:
    reply = text_of(await platform.send(typed))
    assert "is now" in reply, reply
    key, value = stored
    state = await platform.commands.chats.get_chat(CHAT)
    assert state is not None
    assert str(getattr(state.settings, key)) == value


async def test_a_five_thousand_digit_number_is_explained_briefly(
    platform: FakePlatform, redis: Redis
) -> None:
    before = await chat_state(redis)
    reply = text_of(await platform.send("/settings max_papers " + "9" * 5000))
    assert "is not a number of papers from 1 to 50" in reply
    assert len(reply) < 300  # the value is echoed shortened, not pasted back
    assert "/settings max_papers 20" in reply  # the example is for the setting that was wrong
    assert await chat_state(redis) == before


async def test_full_width_ids_are_looked_up(platform: FakePlatform, fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.announce("cs.CL", paper(7))
    reply = text_of(await platform.send("/summarize ２４１１．００００７"))
    assert "arXiv has no paper" not in reply
    assert "Paper number 7" in reply


async def test_no_input_named_in_the_issue_gets_a_sorry(platform: FakePlatform) -> None:
    await _plant(platform, LEGACY_LONG, LEGACY_BROKEN)
    for typed in (
        "/topics",
        "/unsubscribe all",
        "/settings max_papers ²",
        "/settings max_papers " + "1" * 5000,
        "/settings time " + "٠" * 3000,
        "/summarize " + "９" * 5000,
    ):
        assert SORRY not in text_of(await platform.send(typed)), typed
    answer = await platform.press(UNSUBSCRIBE_PREFIX + "f" * 16)
    assert answer is not None
    assert SORRY not in answer.notice


async def test_several_digests_at_once_plan_one_round_and_say_so(
    platform: FakePlatform, fake_arxiv: FakeArxiv, redis: Redis
) -> None:
    for n in range(1, 5):
        fake_arxiv.announce("cs.CL", paper(n))
    await platform.send("/subscribe cs.CL")
    replies = [text_of(r) for r in await asyncio.gather(*(platform.send("/digest") for _ in range(5)))]
    assert sum("4 new papers are on the way" in r for r in replies) == 1, replies
    others = [r for r in replies if "new papers are on the way" not in r]
    told = ("already on its way here with 4 papers", "being prepared right now")
    assert all(any(phrase in r for phrase in told) for r in others), others
    # Asking while the papers wait to be sent costs nothing from the hourly limit.
    assert "already on its way here with 4 papers" in text_of(await platform.send("/digest"))
    await drain(platform.pipeline)
    assert sorted(card.arxiv_id for _, m in platform.messenger.digests for card, _ in m.items) == [
        f"2411.{n:05d}" for n in range(1, 5)
    ]
    assert "Nothing new since your last digest" in text_of(await platform.send("/digest"))


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("/subscibe cs.CL", "I don't know the command /subscibe. Did you mean /subscribe cs.CL?"),
        ("/Summarise 2402.01349", "Did you mean /summarize 2402.01349?"),
        ("/setings", "Did you mean /settings?"),
        ("/frobnicate", "I don't know the command /frobnicate. /help lists what I can do."),
    ],
)
async def test_an_unknown_command_in_a_private_chat_gets_the_closest_one(
    platform: FakePlatform, redis: Redis, typed: str, expected: str
) -> None:
    before = await chat_state(redis)
    reply = text_of(await platform.send(typed))
    assert expected in reply
    assert "/help" in reply
    assert await chat_state(redis) == before
    assert await platform.send(typed, chat_id=-5, kind="group") is None  # groups: another bot's command


@pytest.mark.parametrize(
    ("asked", "note"),
    [
        ("v999", "arXiv has no v999 of 2411.00007; its latest version is v3, and this card is for it."),
        ("v1", "This card is for the latest version of 2411.00007, v3 (you asked for v1)."),
        ("v3", None),
        ("", None),
    ],
)
async def test_a_card_says_which_version_it_is_for(
    platform: FakePlatform, fake_arxiv: FakeArxiv, asked: str, note: str | None
) -> None:
    fake_arxiv.announce("cs.CL", paper(7, version=3))
    reply = await platform.send(f"/summarize 2411.00007{asked}")
    assert isinstance(reply, CardsReply)
    assert reply.cards[0].version == 3
    assert (reply.intro.plain_text() if reply.intro else None) == note
