"""End to end on Discord: the real discord.py client against the fake Discord REST API and gateway.

Every test ends with no interaction left unanswered within Discord's 3-second window.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.asyncio import Redis

from bot.app.composition import Services, build_pipeline, build_services
from bot.core.models import ChatRef
from tests.conftest import SettingsFactory
from tests.fakes.arxiv_api import FakeArxiv
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_rules import (
    EMBED_LINKS,
    MANAGE_CHANNELS,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
)
from tests.fakes.openai_api import FakeOpenAI
from tests.support.digest import NOON, audit, check_invariants, drain, paper, scheduler_of
from tests.support.discord import answered, discord_bot, reply_text
from tests.support.keyspace import keyspace
from tests.support.redis_server import RedisServer

GUILD = 880_000_000_000_000_001
CHANNEL = 880_000_000_000_000_101
OTHER_CHANNEL = 880_000_000_000_000_102
THREAD = 880_000_000_000_000_103
DM_CHANNEL = 880_000_000_000_000_201
MEMBER, ADMIN, DM_USER = 10_000_000_000_000_001, 10_000_000_000_000_002, 10_000_000_000_000_003
MANAGER_ROLE = GUILD + 7
POSTING = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS
DENY_SEND = [{"id": str(GUILD + 1), "type": 0, "allow": "0", "deny": str(SEND_MESSAGES)}]  # the bot's role


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        guild = fake.add_guild(GUILD, bot_permissions=POSTING)
        guild.roles[MANAGER_ROLE] = MANAGE_CHANNELS
        guild.members[ADMIN] = [MANAGER_ROLE]
        guild.members[MEMBER] = []
        fake.add_channel(GUILD, CHANNEL, "papers")
        fake.add_channel(GUILD, OTHER_CHANNEL, "general")
        fake.add_channel(GUILD, THREAD, "nlp-thread", type_=11, parent_id=CHANNEL)
        fake.add_dm(DM_CHANNEL, DM_USER)
        yield fake
        assert fake.unanswered() == [], "an interaction was left unanswered"


@pytest.fixture
async def services(
    llm_settings: SettingsFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, redis: Redis
) -> AsyncIterator[Services]:
    built = build_services(
        llm_settings(
            discord_bot_token=fake_discord.token,
            discord_api_url=fake_discord.api_url,
            arxiv_rss_url=fake_arxiv.rss_url,
            llm_timeout_seconds=10,
            arxiv_timeout_seconds=10,
        )
    )
    yield built
    await built.aclose()


@pytest.fixture
async def running(services: Services, fake_discord: FakeDiscord) -> AsyncIterator[FakeDiscord]:
    async with discord_bot(services, fake_discord):
        yield fake_discord


async def wait_until(read: Callable[[], Awaitable[object]], expected: object, within: float = 5.0) -> None:
    """Poll `read` until it returns `expected` (gateway events are handled asynchronously)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await read() == expected:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never became {expected!r}")


async def subscribe(fake: FakeDiscord, topic: str = "cs.CL", channel: int = CHANNEL) -> str:
    return await reply_text(fake, await fake.slash("subscribe", channel, ADMIN, {"topic": topic}))


# ----- the command menu ---------------------------------------------------------------------------
async def test_commands_are_published_by_discords_rules(running: FakeDiscord) -> None:
    published = {c["name"]: c for c in running.commands[None]}
    assert sorted(published) == sorted(
        [
            "summarize",
            "subscribe",
            "unsubscribe",
            "topics",
            "settings",
            "like",
            "dislike",
            "likes",
            "digest",
            "pause",
            "resume",
            "help",
            "Summarize arXiv link",
        ]
    )
    assert "start" not in published  # Telegram's greeting has no Discord counterpart
    assert published["Summarize arXiv link"]["type"] == 3
    (topic,) = published["subscribe"]["options"]
    assert (topic["name"], topic["required"], topic["autocomplete"]) == ("topic", True, True)
    key, value = published["settings"]["options"]
    assert [c["value"] for c in key["choices"]] == [
        "language",
        "time",
        "timezone",
        "max_papers",
        "style",
        "min_score",
    ]
    assert not key["required"]
    assert value["autocomplete"]
    assert running.identifies == 1
    # Menus in Chinese for Chinese Discord clients: descriptions and the message menu's name, not the
    # typed command names.
    assert published["summarize"]["description_localizations"] == {
        "zh-CN": "论文摘要卡片：/summarize 2402.01349"
    }
    assert not published["summarize"].get("name_localizations")
    assert topic["description_localizations"]["zh-CN"].startswith("arXiv 分类（cs.CL）或关键词检索")
    assert published["Summarize arXiv link"]["name_localizations"] == {"zh-CN": "总结 arXiv 链接"}


async def test_guild_ids_get_the_menu_at_once(services: Services, fake_discord: FakeDiscord) -> None:
    async with discord_bot(services, fake_discord, guild_ids=(GUILD,)):
        assert None not in fake_discord.commands  # the global menu is left alone
        assert len(fake_discord.commands[GUILD]) == 13
        text = await reply_text(fake_discord, await fake_discord.slash("help", CHANNEL, MEMBER))
        assert "/subscribe cs.CL" in text


# ----- commands -----------------------------------------------------------------------------------
async def test_help_is_shown_to_the_asker_only(running: FakeDiscord) -> None:
    interaction = await running.slash("help", CHANNEL, MEMBER)
    assert "/summarize 2402.01349" in await reply_text(running, interaction)
    assert interaction.acked == 4
    assert interaction.ephemeral


async def test_summarize_is_deferred_then_answered_with_an_embed(
    running: FakeDiscord, fake_llm: FakeOpenAI
) -> None:
    fake_llm.latency = 2.0  # the model takes longer than Discord's window: the bot must defer
    slow = await running.slash("summarize", CHANNEL, MEMBER, {"paper": "https://arxiv.org/abs/2402.01349"})
    await answered(running, slow)
    assert slow.acked == 5  # "thinking…", then the card as a follow-up
    ((body, ephemeral),) = slow.messages()
    assert not ephemeral
    (embed,) = body["embeds"]
    assert embed["title"].startswith("Beyond the Answers")
    assert embed["url"] == "https://arxiv.org/abs/2402.01349"
    assert "may contain mistakes" in embed["footer"]["text"]
    assert body["allowed_mentions"]["parse"] == []
    fake_llm.latency = 0
    cached = await running.slash("summarize", OTHER_CHANNEL, ADMIN, {"paper": "2402.01349"})
    await answered(running, cached)
    assert cached.acked == 4  # answered at once from the cache: no "thinking…"
    assert fake_llm.calls == 1


async def test_bad_input_is_a_private_specific_error(running: FakeDiscord, fake_llm: FakeOpenAI) -> None:
    bad = await running.slash("summarize", CHANNEL, MEMBER, {"paper": "hello world"})
    assert "I couldn't read hello world as an arXiv paper" in await reply_text(running, bad)
    assert bad.ephemeral
    missing = await running.slash("summarize", CHANNEL, MEMBER, {"paper": "2402.99999"})
    assert "arXiv has no paper 2402.99999" in await reply_text(running, missing)
    assert fake_llm.calls == 0


async def test_a_personal_reply_after_thinking_is_private(
    running: FakeDiscord, fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.delay = 2.0  # arXiv is slow, then says there is no such paper
    slow = await running.slash("summarize", CHANNEL, MEMBER, {"paper": "2402.99999"})
    text = await reply_text(running, slow)
    assert slow.acked == 5
    assert slow.original_deleted  # the public "thinking…" is gone ...
    ((_body, ephemeral),) = slow.messages()
    assert ephemeral  # ... and only the asker sees the error
    assert "arXiv has no paper" in text


async def test_subscribe_needs_manage_channels_and_refusals_change_nothing(
    running: FakeDiscord, services: Services, redis: Redis
) -> None:
    before = await keyspace(redis)
    refused = await running.slash("subscribe", CHANNEL, MEMBER, {"topic": "cs.CL"})
    text = await reply_text(running, refused)
    assert "Only members who can manage this channel (Manage Channels) can change" in text
    assert refused.ephemeral
    assert await keyspace(redis) == before
    assert "Subscribed to cs.CL (Computation and Language)" in await subscribe(running)
    state = await services.chats.get_chat(ChatRef("discord", CHANNEL))
    assert state is not None
    assert (state.kind, state.server_id, state.title) == ("group", GUILD, "#papers (Research)")
    topics = await running.slash("topics", CHANNEL, MEMBER)  # reading is open to all
    assert "This chat follows 1 topic" in await reply_text(running, topics)


async def test_subscribe_says_what_the_bot_lacks(running: FakeDiscord, services: Services) -> None:
    await running.set_overwrites(
        GUILD,
        OTHER_CHANNEL,
        [{"id": str(GUILD + 1), "type": 0, "allow": "0", "deny": str(EMBED_LINKS | SEND_MESSAGES)}],
    )
    text = await subscribe(running, channel=OTHER_CHANNEL)
    assert "I can't post digests here: I'm missing Send Messages, Embed Links" in text
    assert await services.chats.get_chat(ChatRef("discord", OTHER_CHANNEL)) is None
    deny_threads = {"id": str(GUILD + 1), "type": 0, "allow": "0", "deny": str(SEND_MESSAGES_IN_THREADS)}
    await running.set_overwrites(GUILD, CHANNEL, [deny_threads])  # a thread takes its parent's permissions
    thread = await subscribe(running, channel=THREAD)
    assert "I'm missing Send Messages in Threads." in thread
    assert "Subscribed" in await subscribe(running, channel=CHANNEL)  # the channel itself is fine


async def test_suggestions_while_typing(running: FakeDiscord) -> None:
    typing = await running.slash("subscribe", CHANNEL, MEMBER, {"topic": "cs.c"}, focused="topic")
    await answered(running, typing)
    assert typing.choices is not None
    assert 0 < len(typing.choices) <= 25
    assert {"name": "cs.CL — Computation and Language", "value": "cs.CL"} in typing.choices
    await subscribe(running, "math")
    own = await running.slash("unsubscribe", CHANNEL, MEMBER, {"topic": ""}, focused="topic")
    await answered(running, own)
    assert [c["value"] for c in own.choices or []] == ["math", "all"]
    zone = await running.slash(
        "settings", CHANNEL, MEMBER, {"key": "timezone", "value": "shangh"}, focused="value"
    )
    await answered(running, zone)
    assert zone.choices == [{"name": "Asia/Shanghai", "value": "Asia/Shanghai"}]


async def test_settings_are_private_and_dms_start_in_the_users_language(
    running: FakeDiscord, services: Services
) -> None:
    shown = await running.slash("settings", CHANNEL, MEMBER)
    assert "Settings of this chat" in await reply_text(running, shown)
    assert shown.ephemeral
    changed = await running.slash(
        "settings", DM_CHANNEL, DM_USER, {"key": "time", "value": "8:30"}, locale="zh-CN"
    )
    assert "time 已设为 08:30" in await reply_text(running, changed)  # a new DM speaks the user's language
    state = await services.chats.get_chat(ChatRef("discord", DM_CHANNEL))
    assert state is not None
    assert (state.kind, state.settings.language, state.settings.time) == ("private", "zh", "08:30")
    assert state.server_id is None


async def test_topics_buttons_unsubscribe_for_managers_only(running: FakeDiscord, services: Services) -> None:
    await subscribe(running, "cs.CL")
    await subscribe(running, "math")
    listing = await running.slash("topics", CHANNEL, MEMBER)
    await answered(running, listing)
    ((body, _),) = listing.messages()
    buttons = [b for row in body["components"] for b in row["components"]]
    assert [b["label"] for b in buttons] == ["✖ cs.CL", "✖ math"]
    refused = await running.press(listing, buttons[0]["custom_id"], MEMBER)
    assert "Only members who can manage this channel" in await reply_text(running, refused)
    assert refused.ephemeral
    assert refused.updated is None
    assert await services.chats.topics(ChatRef("discord", CHANNEL)) == ["cs.CL", "math"]
    pressed = await running.press(listing, buttons[0]["custom_id"], ADMIN)
    await answered(running, pressed)
    assert pressed.acked == 7  # the list itself is updated ...
    assert pressed.updated is not None
    assert "This chat follows 1 topic" in (pressed.updated.get("content") or "")
    await running.wait_for(lambda: bool(pressed.followups))
    ((notice, ephemeral),) = pressed.messages()  # ... and the presser alone is told what happened
    assert ephemeral
    assert "Unsubscribed from cs.CL" in notice["content"]
    assert await services.chats.topics(ChatRef("discord", CHANNEL)) == ["math"]
    forged = await running.forged_press(CHANNEL, "no-such-button", ADMIN)
    assert "no longer in use" in await reply_text(running, forged)


async def test_summarize_a_link_in_someones_message(running: FakeDiscord) -> None:
    action = await running.message_command(
        "Summarize arXiv link", CHANNEL, MEMBER, "look: arxiv.org/abs/2402.01349v1 !"
    )
    await answered(running, action)
    ((body, ephemeral),) = action.messages()
    assert not ephemeral
    assert body["embeds"][0]["url"] == "https://arxiv.org/abs/2402.01349"
    note = r"This card is for the latest version of `2402.01349`, `v2` \(you asked for `v1`\)."
    assert body["content"] == note
    nothing = await running.message_command("Summarize arXiv link", CHANNEL, MEMBER, "no papers here")
    assert "found no arXiv id or link in that message" in await reply_text(running, nothing)
    assert nothing.ephemeral


async def test_a_link_sent_in_a_dm_gets_its_card(running: FakeDiscord) -> None:
    await running.dm_message(DM_CHANNEL, DM_USER, "https://arxiv.org/abs/2402.01349")
    await running.wait_for(lambda: any(p.channel_id == DM_CHANNEL for p in running.posted))
    (posted,) = [p for p in running.posted if p.channel_id == DM_CHANNEL]
    assert posted.body["embeds"][0]["url"] == "https://arxiv.org/abs/2402.01349"
    assert posted.body["enforce_nonce"] is True
    assert "message_reference" in posted.body


async def test_an_old_menu_entry_still_gets_an_answer(running: FakeDiscord) -> None:
    running.commands[None].append(
        {
            "id": "1",
            "application_id": "1",
            "name": "oldcommand",
            "description": "gone",
            "type": 1,
            "options": [],
        }
    )
    stale = await running.slash("oldcommand", CHANNEL, MEMBER)
    assert "out of date" in await reply_text(running, stale)


# ----- the gateway and the life cycle -------------------------------------------------------------
async def test_a_dropped_connection_is_resumed_and_nothing_is_missed(running: FakeDiscord) -> None:
    running.drop()
    waiting = await running.slash("help", CHANNEL, MEMBER)  # raised while the bot is disconnected
    assert "/summarize" in await reply_text(running, waiting)
    assert running.resumes == 1  # RESUME at the resume URL replayed the missed event
    assert running.identifies == 1


async def test_removal_deletion_and_lost_permissions_deactivate_and_re_adding_restores(
    running: FakeDiscord, services: Services
) -> None:
    chat, other = ChatRef("discord", CHANNEL), ChatRef("discord", OTHER_CHANNEL)
    await subscribe(running, channel=CHANNEL)
    await subscribe(running, channel=OTHER_CHANNEL)

    async def active(ref: ChatRef) -> bool | None:
        state = await services.chats.get_chat(ref)
        return None if state is None else state.active

    guild = running.guilds[GUILD]
    await running.set_overwrites(GUILD, CHANNEL, DENY_SEND)
    await wait_until(lambda: active(chat), False)
    state = await services.chats.get_chat(chat)
    assert state is not None
    assert state.inactive_reason == "the bot lacks Send Messages, Embed Links there"  # implied by Discord
    assert await active(other)
    await running.set_overwrites(GUILD, CHANNEL, [])
    await wait_until(lambda: active(chat), True)

    await running.outage(GUILD)  # a server outage is not a removal
    await running.readd_bot(guild)  # ... and it comes back
    assert await active(chat)
    assert await active(other)

    await running.remove_bot(GUILD)
    await wait_until(lambda: active(chat), False)
    assert not await active(other)
    assert await services.chats.topics(chat) == ["cs.CL"]  # kept for CHAT_RETENTION_DAYS
    await running.readd_bot(guild)
    await wait_until(lambda: active(chat), True)
    assert await active(other)

    await running.delete_channel(GUILD, OTHER_CHANNEL)
    await wait_until(lambda: active(other), False)
    state = await services.chats.get_chat(other)
    assert state is not None
    assert state.inactive_reason == "the channel was deleted"


async def test_changes_while_offline_are_applied_at_connect(
    services: Services, fake_discord: FakeDiscord
) -> None:
    async with discord_bot(services, fake_discord):
        await subscribe(fake_discord)
    fake_discord.guilds[GUILD].channels[CHANNEL].overwrites = DENY_SEND  # changed while the bot was away
    async with discord_bot(services, fake_discord):
        state = await services.chats.get_chat(ChatRef("discord", CHANNEL))
        assert state is not None
        assert not state.active
        assert "Send Messages" in (state.inactive_reason or "")


async def test_a_failure_on_our_side_is_still_answered(
    running: FakeDiscord, redis_server: RedisServer
) -> None:
    redis_server.stop()
    try:
        failed = await running.slash("topics", CHANNEL, MEMBER)
        assert "Sorry — something went wrong on my side" in await reply_text(running, failed)
        ((_body, ephemeral),) = failed.messages()
        assert ephemeral
    finally:
        redis_server.start()
    listing = await running.slash("topics", CHANNEL, MEMBER)
    assert "follows no topics yet" in await reply_text(running, listing)


async def test_slow_buttons_are_deferred_then_update_the_list(
    running: FakeDiscord, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    await subscribe(running, "cs.CL")
    listing = await running.slash("topics", CHANNEL, MEMBER)
    await answered(running, listing)
    ((body, _),) = listing.messages()
    (button,) = [b for row in body["components"] for b in row["components"]]
    monkeypatch.setattr("bot.platforms.discord.interactions.DEFER_AFTER", 0)  # every handler is "slow" now
    pressed = await running.press(listing, button["custom_id"], ADMIN)
    await running.wait_for(lambda: bool(pressed.followups))
    assert pressed.acked == 6  # a deferred update ...
    assert pressed.updated is not None
    assert "follows no topics yet" in (pressed.updated.get("content") or "")  # ... then the list edited
    ((notice, ephemeral),) = pressed.messages()
    assert ephemeral
    assert "Unsubscribed from cs.CL" in notice["content"]
    shown = await running.slash("settings", CHANNEL, MEMBER)  # a slow personal reply: private after all
    assert "Settings of this chat" in await reply_text(running, shown)
    assert shown.acked == 5
    assert [ephemeral for _body, ephemeral in shown.messages()] == [True]


async def test_heartbeats_keep_the_session_alive(services: Services, fake_discord: FakeDiscord) -> None:
    fake_discord.heartbeat_interval_ms = 100  # Discord says ~41 s; the client must follow what HELLO says
    async with discord_bot(services, fake_discord):
        await asyncio.sleep(0.6)
        assert fake_discord.heartbeats >= 4
        assert fake_discord.connected
        assert "/summarize" in await reply_text(
            fake_discord, await fake_discord.slash("help", CHANNEL, MEMBER)
        )


async def test_subscribe_in_a_channel_then_the_digest_arrives_there_once(
    services: Services, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv
) -> None:
    """The README's promise: invite, `/subscribe topic:cs.CL` in a channel, the next digest there, once."""
    for n in range(1, 4):
        fake_arxiv.announce("cs.CL", paper(n))
    async with discord_bot(services, fake_discord) as platform:
        pipeline = build_pipeline(services, {"discord": platform.messenger}, consumer="w", pacing=False)
        assert "Subscribed to cs.CL" in await subscribe(fake_discord)
        scheduler = scheduler_of(services, pipeline, clock=lambda: NOON)  # the channel's 09:00 has passed
        assert [r.planned for r in await scheduler.tick()] == [3]
        await drain(pipeline)
        assert await scheduler.tick() == []  # the day's round is done: nothing twice
        await drain(pipeline)
    chat = ChatRef("discord", CHANNEL)
    result = await audit(services, None, [chat], fake_discord)
    check_invariants(result, max_uncertain=0)
    assert result.states() == {"sent": 3}
    (digest,) = [p.body for p in fake_discord.posted if p.channel_id == CHANNEL]
    assert digest["content"].startswith("📚 **arXiv digest · Thu 19 Nov 2026**")
    assert [e["url"] for e in digest["embeds"]] == [f"https://arxiv.org/abs/2411.{n:05d}" for n in (1, 2, 3)]


async def test_votes_under_a_digest_relabel_its_buttons_only(
    services: Services, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.announce("cs.CL", paper(1))
    async with discord_bot(services, fake_discord) as platform:
        pipeline = build_pipeline(services, {"discord": platform.messenger}, consumer="w", pacing=False)
        await subscribe(fake_discord)
        await scheduler_of(services, pipeline, clock=lambda: NOON).tick()
        await drain(pipeline)
        (digest,) = [p for p in fake_discord.posted if p.channel_id == CHANNEL]
        (row,) = digest.body["components"]
        assert [b["label"] for b in row["components"]] == ["👍 Paper number 1 about cs.CL", "👎"]
        pressed = await fake_discord.press_posted(digest, "vote:+:2411.00001", MEMBER)
        await fake_discord.wait_for(lambda: bool(pressed.followups))
        assert pressed.acked == 7
        assert pressed.updated is not None
        assert not {"embeds", "content"} & set(pressed.updated)  # the card is not sent again
        labels = [b["label"] for b in pressed.updated["components"][0]["components"]]
        assert labels == ["👍 Paper number 1 about cs.CL · 1", "👎"]
        ((notice, ephemeral),) = pressed.messages()
        assert (notice["content"], ephemeral) == ("👍 Noted: more like this.", True)
        await pipeline.aclose()
    tally = await services.feedback.tallies(ChatRef("discord", CHANNEL), ["2411.00001"])
    assert tally["2411.00001"].up == 1
