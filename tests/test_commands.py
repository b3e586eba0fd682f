"""Command logic through the in-process fake platform: every registry entry, no HTTP, milliseconds each.

These run the same handlers the Telegram adapter runs, on real Redis, so they prove the logic is
platform-neutral; Telegram specifics (HTML, limits, PTB's updates) are tested against the fake Bot API.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from bot.cards.feedback import VOTE_PREFIX, card_buttons
from bot.core.chat_settings import ChatSettings
from bot.core.models import CardsReply, ChatKind, ChatRef, TextReply
from bot.core.topics.taxonomy_data import ARCHIVES
from handlers import BUTTONS, COMMANDS
from handlers.context import ButtonAnswer
from handlers.feedback import SEED_PREFIX
from handlers.subscriptions import UNSUBSCRIBE_PREFIX
from scheduler.queue import Delivery
from tests.fakes.arxiv_api import FakeArxiv
from tests.support.digest import drain, paper
from tests.support.fake_platform import FakePlatform, text_of
from tests.support.keyspace import chat_state, keyspace

GROUP = -500


@pytest.mark.parametrize("kind", ["private", "group", "channel"])
@pytest.mark.parametrize("command", [c.name for c in COMMANDS])
async def test_every_command_answers_in_every_kind_of_chat(
    platform: FakePlatform, command: str, kind: ChatKind
) -> None:
    reply = await platform.send(f"/{command}", chat_id=7, kind=kind, admin=True)
    assert isinstance(reply, TextReply)  # with no arguments, every command explains itself in words
    assert len(reply.plain_text()) > 20


async def test_subscribe_topics_and_unsubscribe_button(platform: FakePlatform) -> None:
    assert "Subscribed to cs.CL" in text_of(await platform.send("/subscribe cs.CL"))
    assert "already follows cs.CL" in text_of(await platform.send("/subscribe cs.cl"))
    reply = await platform.send("/topics")
    assert isinstance(reply, TextReply)
    assert "This chat follows 1 topic" in reply.plain_text()
    (button,) = reply.buttons
    assert button.payload.startswith(UNSUBSCRIBE_PREFIX)
    assert len(button.payload.encode()) <= 64
    answer = await platform.press(button.payload)
    assert answer is not None
    assert answer.notice.startswith("Unsubscribed from cs.CL")
    assert "follows no topics yet" in text_of(answer.refreshed)
    again = await platform.press(button.payload)  # pressed twice: a notice, nothing else changes
    assert again is not None
    assert again.notice == "That topic was already removed."
    assert await platform.commands.chats.topics(ChatRef("cli", 1)) == []


async def test_unknown_button_payloads_belong_to_no_entry(platform: FakePlatform) -> None:
    assert await platform.press("no-such-prefix:123") is None
    assert {entry.prefix for entry in BUTTONS} == {UNSUBSCRIBE_PREFIX, SEED_PREFIX, VOTE_PREFIX}


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/subscribe cs.XX", "not an arXiv category"),
        ("/subscribe cs.CLL", "Did you mean cs.CL"),
        ("/unsubscribe cs.LG", "doesn't follow cs.LG"),
        ("/settings timezone Mars/Olympus", "not a time zone"),
        ("/settings timezone localtime", "not a time zone"),  # the host's own clock: not portable
        ("/settings timezone posixrules", "not a time zone"),
        ("/settings max_papers 0", "from 1 to 50"),
        ("/settings colour blue", "there is no setting 'colour'"),
        ("/summarize not-an-id", "couldn't read"),
        ("/pause", "Digests paused"),
    ],
)
async def test_refused_group_members_and_bad_input_change_nothing(
    platform: FakePlatform, redis: Redis, command: str, expected: str
) -> None:
    await platform.send("/subscribe cs.CL", chat_id=GROUP, kind="group", admin=True)
    before = await keyspace(redis)
    bad_input = command.startswith(("/summarize", "/settings ", "/subscribe cs."))
    # Bad input is explained before anyone's rights are checked; valid changes need an admin.
    refusal = expected if bad_input else "Only this group's admins can change"
    unchecked = expected if bad_input else "couldn't check whether you're an admin"
    refused = await platform.send(command, chat_id=GROUP, kind="group", user_id=2, admin=False)
    assert refusal in text_of(refused)
    assert await keyspace(redis) == before
    failed_check = await platform.send(command, chat_id=GROUP, kind="group", user_id=2, admin="error")
    assert unchecked in text_of(failed_check)
    assert await keyspace(redis) == before
    allowed = await platform.send(command, chat_id=GROUP, kind="group", user_id=3, admin=True)
    assert expected in text_of(allowed)


async def test_channels_are_managed_by_their_posts(platform: FakePlatform) -> None:
    reply = await platform.send("/subscribe math", chat_id=-900, kind="channel", user_id=None)
    assert "Subscribed to math" in text_of(reply)
    state = await platform.commands.chats.get_chat(ChatRef("cli", -900))
    assert state is not None
    assert state.kind == "channel"


async def test_settings_pause_and_resume(platform: FakePlatform) -> None:
    await platform.send("/subscribe cs.CL")
    assert "timezone is now UTC+08:00" in text_of(await platform.send("/settings timezone utc+8"))
    assert "the next one" in text_of(await platform.send("/settings time 7:05"))
    shown = text_of(await platform.send("/settings"))
    assert "time: 07:05" in shown
    assert "timezone: UTC+08:00" in shown
    assert "Digests paused" in text_of(await platform.send("/pause"))
    assert "already paused" in text_of(await platform.send("/pause"))
    resumed = text_of(await platform.send("/resume"))
    assert "resumed for 1 topic, daily at 07:05 (UTC+08:00)" in resumed
    assert "papers announced while digests were paused are not sent" in resumed


async def test_private_language_comes_from_the_user(platform: FakePlatform) -> None:
    await platform.send("/subscribe cs.CL", chat_id=11, language="de")
    state = await platform.commands.chats.get_chat(ChatRef("cli", 11))
    assert state is not None
    assert state.settings.language == "de"


async def test_summarize_and_bare_text(platform: FakePlatform, fake_arxiv: FakeArxiv) -> None:
    reply = await platform.send("/summarize https://arxiv.org/abs/2402.01349v2")
    assert isinstance(reply, CardsReply)
    (card,) = reply.cards
    assert (card.arxiv_id, card.model) == ("2402.01349", "extractive")
    assert isinstance(await platform.send("arXiv:2402.01349"), CardsReply)  # a bare id in a private chat
    assert "Send me an arXiv link or id" in text_of(await platform.send("hello there"))
    assert (
        await platform.send("hello there", chat_id=GROUP, kind="group") is None
    )  # groups: bare text ignored
    assert "arXiv has no paper 2402.99999" in text_of(await platform.send("/summarize 2402.99999"))
    fake_arxiv.mode = "503"
    assert "isn't answering right now" in text_of(await platform.send("/summarize 2502.14816"))


async def test_digest_now_plans_header_and_footer_once(platform: FakePlatform, fake_arxiv: FakeArxiv) -> None:
    for n in range(1, 13):
        fake_arxiv.announce("cs.CL", paper(n))
    assert "follows no topics yet" in text_of(await platform.send("/digest"))
    await platform.send("/subscribe cs.CL")
    await platform.send("/settings max_papers 3")
    assert "12 new papers are on the way" in text_of(await platform.send("/digest"))
    await drain(platform.pipeline)
    messages = [message for _, message in platform.messenger.digests]
    assert [len(m.items) for m in messages] == [5, 5, 2]
    assert messages[0].header is not None
    assert messages[0].header.count == 12
    assert [m.header is None for m in messages] == [False, True, True]
    modes = [mode for m in messages for _, mode in m.items]
    assert modes == ["card"] * 3 + ["link"] * 9
    assert [m.more for m in messages] == [9, 0, 0]  # the footer sits where the links begin, once
    assert "Nothing new since your last digest" in text_of(await platform.send("/digest"))
    assert platform.messenger.replies == []  # handlers return replies; only adapters send them


async def test_chats_of_a_platform_without_messenger_are_left_to_another_process(
    platform: FakePlatform, fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.announce("cs.CL", paper(1))
    elsewhere = ChatRef("telegram", 77)  # this process has only the `cli` messenger
    chats = platform.commands.chats
    await chats.ensure_chat(elsewhere, "private", None, ChatSettings("en", "09:00", "UTC"))
    await chats.subscribe(elsewhere, "cs.CL", 25)
    report = await platform.pipeline.planner.plan(elsewhere, datetime.now(UTC), forced=True)
    assert (report.planned, report.skipped) == (0, "telegram is not configured in this process")
    assert await platform.pipeline.queue.pending() == 0
    await platform.send("/subscribe cs.CL")  # a chat this process can reach, on the same topic
    assert "1 new paper is on the way" in text_of(await platform.send("/digest"))
    await drain(platform.pipeline)
    assert [chat for chat, _ in platform.messenger.digests] == [ChatRef("cli", 1)]


async def test_a_worker_leaves_deliveries_it_cannot_reach_queued(platform: FakePlatform) -> None:
    elsewhere = ChatRef("telegram", 78)  # queued by a process that has Telegram; this one has only `cli`
    await platform.pipeline.queue.put(
        [Delivery(elsewhere, "telegram:78@2026-11-19", ((("2411.00001", "card"),),), "en")]
    )
    assert await platform.pipeline.deliverer.drain_once(batch=10, block_ms=50) == 1
    assert await platform.pipeline.queue.pending() == 1  # not acknowledged: another worker will take it
    assert await platform.commands.chats.get_chat(elsewhere) is None
    assert platform.messenger.digests == []


async def test_topic_suggestions_are_categories_or_the_typed_query(platform: FakePlatform) -> None:
    choices = await platform.complete("subscribe", "topic", "cs.c")
    assert 0 < len(choices) <= 25
    assert choices[0].value == "cs.CC"  # codes starting with what was typed, shortest first
    assert "cs.CL" in [c.value for c in choices]
    assert all(len(c.label) <= 100 and len(c.value) <= 100 for c in choices)
    named = await platform.complete("subscribe", "topic", "computation and language")
    assert [c.value for c in named] == ["cs.CL", "computation and language"]  # the category, then as a query
    typed = '"few-shot" AND cat:cs.LG'
    (query,) = await platform.complete("subscribe", "topic", typed)
    assert query.value == typed  # a keyword query is offered as it was typed ...
    assert query.label == 'all:"few-shot" AND cat:cs.LG (keyword query)'  # ... labelled in canonical form
    assert await platform.complete("subscribe", "topic", "AND AND (") == []  # no category, no valid query
    empty = await platform.complete("subscribe", "topic", "")  # nothing typed yet: the archives
    assert [c.value for c in empty] == list(ARCHIVES)[:25]
    assert "cs" in [c.value for c in empty]


async def test_unsubscribe_suggests_the_chats_own_topics_and_all(platform: FakePlatform) -> None:
    assert await platform.complete("unsubscribe", "topic", "") == []
    await platform.send("/subscribe cs.CL")
    await platform.send("/subscribe math")
    values = [c.value for c in await platform.complete("unsubscribe", "topic", "")]
    assert values == ["cs.CL", "math", "all"]
    assert [c.value for c in await platform.complete("unsubscribe", "topic", "mat")] == ["math"]
    assert [c.value for c in await platform.complete("unsubscribe", "topic", "cs.CL", chat_id=99)] == []


async def test_setting_values_are_suggested_for_the_chosen_key(platform: FakePlatform) -> None:
    zones = await platform.complete("settings", "value", "shang", {"key": "timezone"})
    assert [c.value for c in zones] == ["Asia/Shanghai"]
    assert len(await platform.complete("settings", "value", "america/", {"key": "timezone"})) == 25
    languages = await platform.complete("settings", "value", "chin", {"key": "language"})
    assert [(c.label, c.value) for c in languages] == [("zh — Simplified Chinese", "zh")]
    assert [c.value for c in await platform.complete("settings", "value", "", {"key": "style"})] == [
        "cards",
        "compact",
    ]
    assert await platform.complete("settings", "value", "08", {"key": "time"}) == []  # typed freely
    assert await platform.complete("settings", "value", "x", {}) == []


async def test_summarize_from_a_message_finds_the_first_link(platform: FakePlatform) -> None:
    reply = await platform.act(
        "Summarize arXiv link", "great read: https://arxiv.org/abs/2402.01349v2 (and 2502.14816)"
    )
    assert isinstance(reply, CardsReply)
    assert reply.cards[0].arxiv_id == "2402.01349"
    nothing = await platform.act("Summarize arXiv link", "no paper in this message, see 2402")
    assert isinstance(nothing, TextReply)
    assert nothing.personal
    assert "found no arXiv id or link in that message" in nothing.plain_text()


async def test_subscribe_says_what_the_bot_lacks_and_changes_nothing(
    platform: FakePlatform, redis: Redis
) -> None:
    before = await keyspace(redis)
    missing = ("Embed Links", "Send Messages")
    reply = await platform.send("/subscribe cs.CL", chat_id=GROUP, kind="group", admin=True, missing=missing)
    assert isinstance(reply, TextReply)
    assert reply.personal
    assert "I'm missing Embed Links, Send Messages" in reply.plain_text()
    assert await keyspace(redis) == before


@pytest.mark.parametrize(
    ("command", "personal"),
    [
        ("/subscribe cs.XX", True),
        ("/subscribe cs.CL", False),
        ("/topics", False),
        ("/settings", True),
        ("/settings time 08:30", True),
        ("/help", True),
        ("/pause", False),
        ("/summarize nope", True),
    ],
)
async def test_errors_and_settings_are_personal_replies(
    platform: FakePlatform, command: str, personal: bool
) -> None:
    reply = await platform.send(command)
    assert isinstance(reply, TextReply)
    assert reply.personal is personal


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/like", "Tell me which papers"),
        ("/like not-an-id", "couldn't read not-an-id as an arXiv paper"),
        ("/like 2402.01349 2402.99999", "arXiv has no paper 2402.99999"),
        ("/dislike " + " ".join(f"2402.0{n:04d}" for n in range(11)), "At most 10 papers at a time"),
    ],
)
async def test_bad_likes_are_explained_and_change_nothing(
    platform: FakePlatform, redis: Redis, command: str, expected: str
) -> None:
    before = await chat_state(redis)
    reply = await platform.send(command, chat_id=GROUP, kind="group", admin=True)
    assert isinstance(reply, TextReply)
    assert reply.personal
    assert expected in reply.plain_text()
    assert await chat_state(redis) == before


async def test_likes_are_listed_and_removed_by_admins(platform: FakePlatform, redis: Redis) -> None:
    before = await chat_state(redis)
    refused = await platform.send("/like 2402.01349", chat_id=GROUP, kind="group", user_id=2, admin=False)
    assert "Only this group's admins can change" in text_of(refused)
    assert await chat_state(redis) == before
    liked = await platform.send(
        "/like 2402.01349 https://arxiv.org/abs/2502.14816", chat_id=GROUP, kind="group", admin=True
    )
    assert "More like these" in text_of(liked)
    assert "Dynamic Low-Rank Sparse Adaptation" in text_of(liked)
    await platform.send("/dislike 2402.01349", chat_id=GROUP, kind="group", admin=True)  # changes side
    listing = await platform.send("/likes", chat_id=GROUP, kind="group")
    assert isinstance(listing, TextReply)
    assert "👎 2402.01349 Beyond the Answers" in listing.plain_text()
    assert "👍 2502.14816 Dynamic Low-Rank" in listing.plain_text()
    first = next(b.payload for b in listing.buttons if b.payload.endswith("2402.01349"))
    assert await platform.press(first, chat_id=GROUP, kind="group", user_id=2, admin=False) == ButtonAnswer(
        "Only this group's admins can change its topics and settings. Anyone can look: /topics and /settings."
    )
    removed = await platform.press(first, chat_id=GROUP, kind="group", admin=True)
    assert removed is not None
    assert removed.notice == "Removed 2402.01349"
    assert len(await platform.commands.feedback.seeds(ChatRef("cli", GROUP))) == 1


async def test_votes_on_digest_cards(platform: FakePlatform, fake_arxiv: FakeArxiv, redis: Redis) -> None:
    fake_arxiv.announce("cs.CL", paper(1))
    await platform.send("/subscribe cs.CL", chat_id=GROUP, kind="group", admin=True)
    await platform.send("/digest", chat_id=GROUP, kind="group", admin=True)
    await drain(platform.pipeline)
    ((_chat, message),) = platform.messenger.digests
    card, _mode = message.items[0]
    up, down = card_buttons(card)
    assert (up.label, up.payload, down.label) == ("👍 Paper number 1 about cs.CL", "vote:+:2411.00001", "👎")
    before = await chat_state(redis)
    forged = await platform.press("vote:+:2402.01349", chat_id=GROUP, kind="group")  # not in this chat
    assert forged == ButtonAnswer("That paper was not in this chat's digests.")
    outsider = await platform.press(up.payload, chat_id=GROUP, kind="group", user_id=9, member=False)
    assert outsider == ButtonAnswer("Only members of this chat can vote here.")
    assert await chat_state(redis) == before
    voted = await platform.press(up.payload, chat_id=GROUP, kind="group", user_id=2)
    assert voted is not None
    assert voted.notice == "👍 Noted: more like this."
    assert voted.refreshed is None  # the card's text is never touched ...
    assert voted.relabel == {
        up.payload: "👍 Paper number 1 about cs.CL · 1",
        down.payload: "👎",
    }  # ... its buttons are
    changed = await platform.press(down.payload, chat_id=GROUP, kind="group", user_id=2)
    assert changed is not None
    assert changed.relabel == {up.payload: "👍 Paper number 1 about cs.CL", down.payload: "👎 1"}
    withdrawn = await platform.press(down.payload, chat_id=GROUP, kind="group", user_id=2)
    assert withdrawn is not None
    assert withdrawn.notice == "Vote withdrawn."
