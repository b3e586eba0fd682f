"""Subscriptions, settings and chat life cycle end to end: fake Bot API → real PTB → handlers → real Redis."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.app.composition import Services, build_services
from bot.core.models import ChatRef
from tests.conftest import SettingsFactory
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_entities import parse_html
from tests.support.keyspace import keyspace
from tests.support.telegram import ask as ask_in
from tests.support.telegram import telegram_bot

USER = 1001
ADMIN, MEMBER = 501, 502
GROUP, CHANNEL = -4001, -1004002


@pytest.fixture
async def services(
    make_settings: SettingsFactory, fake_tg: FakeTelegram, redis: Redis
) -> AsyncIterator[Services]:
    built = build_services(
        make_settings(
            telegram_bot_token=fake_tg.token, telegram_api_url=fake_tg.api_url, max_topics_per_chat=3
        )
    )
    yield built
    await built.aclose()


@pytest.fixture
async def tg(services: Services, fake_tg: FakeTelegram) -> AsyncIterator[FakeTelegram]:
    group = fake_tg.add_chat(GROUP, "supergroup", "Reading group")
    group.members = {ADMIN: "administrator", MEMBER: "member"}
    fake_tg.add_chat(CHANNEL, "channel", "Papers channel")
    async with telegram_bot(services):
        yield fake_tg


async def ask(tg: FakeTelegram, text: str, chat_id: int = USER, **kwargs: Any) -> str:
    """Send `text` (as USER by default) and return the bot's first reply there."""
    return await ask_in(tg, text, chat_id, **kwargs)


async def test_private_chat_full_cycle(tg: FakeTelegram, services: Services) -> None:
    chat = ChatRef("telegram", USER)
    reply = await ask(tg, "/subscribe CS.cl")
    assert "✅ Subscribed to cs.CL (Computation and Language)" in reply
    assert "daily at 09:00 (UTC)" in reply
    reply = await ask(tg, '/subscribe cat:cs.lg AND "Few-Shot"')
    assert 'Subscribed to all:"few-shot" AND cat:cs.LG' in reply
    assert "already follows" in await ask(tg, '/subscribe "few-shot"   AND cat:cs.LG')
    assert await services.chats.topics(chat) == ['all:"few-shot" AND cat:cs.LG', "cs.CL"]

    reply = await ask(tg, "/settings language de")  # no German catalog: the bot keeps answering in English
    assert "language is now de (German)" in reply
    reply = await ask(tg, "/settings time 8:30")
    assert "time is now 08:30" in reply
    assert re.search(r"the next one \w{3} \d{1,2} \w{3} \d{4} 08:30\.", reply)
    assert "timezone is now Asia/Shanghai" in await ask(tg, "/settings timezone asia/shanghai")
    assert "timezone is now UTC+08:00" in await ask(tg, "/settings timezone UTC+8")
    assert "max_papers is now 20" in await ask(tg, "/settings max_papers 20")
    assert "style is now compact" in await ask(tg, "/settings style Compact")
    shown = await ask(tg, "/settings")
    for line in (
        "language: de",
        "time: 08:30",
        "timezone: UTC+08:00",
        "max_papers: 20",
        "style: compact",
        "digests: active",
    ):
        assert line in shown

    assert "Digests paused" in await ask(tg, "/pause")
    assert "already paused" in await ask(tg, "/pause")
    state = await services.chats.get_chat(chat)
    assert state is not None
    assert state.settings.paused
    assert "Digests resumed for 2 topics" in await ask(tg, "/resume")

    assert "Unsubscribed from cs.CL" in await ask(tg, "/unsubscribe cs.CL")
    assert "doesn't follow cs.CL" in await ask(tg, "/unsubscribe cs.CL")
    assert "Unsubscribed from all 1 topic" in await ask(tg, "/unsubscribe all")
    assert "follows no topics yet" in await ask(tg, "/topics")


async def test_language_defaults_to_the_users(tg: FakeTelegram, services: Services) -> None:
    await ask(tg, "/subscribe cs.CL", chat_id=USER + 7, language_code="pt-br")
    state = await services.chats.get_chat(ChatRef("telegram", USER + 7))
    assert state is not None
    assert state.settings.language == "pt"
    await ask(tg, "/subscribe cs.CL", chat_id=GROUP, user_id=ADMIN, language_code="de")
    group = await services.chats.get_chat(ChatRef("telegram", GROUP))
    assert group is not None
    assert group.settings.language == "en"  # groups start with DEFAULT_LANGUAGE


async def test_topics_list_has_working_unsubscribe_buttons(tg: FakeTelegram, services: Services) -> None:
    await ask(tg, "/subscribe cs.CL")
    await ask(tg, "/subscribe math.AP")
    await tg.push_text(USER, "/topics")
    listing = (await tg.wait_for_messages(3, chat_id=USER))[2]
    assert "This chat follows 2 topics" in listing.visible_text
    buttons = [row[0] for row in listing.params["reply_markup"]["inline_keyboard"]]
    assert [b["text"] for b in buttons] == ["✖ cs.CL", "✖ math.AP"]
    await tg.push_button(USER, USER, listing.message_id, buttons[0]["callback_data"])
    await wait_until(lambda: _value(tg.edits), bool)
    assert tg.answers == ["Unsubscribed from cs.CL (Computation and Language)"]
    assert "This chat follows 1 topic" in tg.edits[-1].visible_text
    assert await services.chats.topics(ChatRef("telegram", USER)) == ["math.AP"]


async def test_pressing_twice_stale_and_forged_buttons_only_get_toasts(
    tg: FakeTelegram, services: Services
) -> None:
    await ask(tg, "/subscribe cs.CL", chat_id=GROUP, user_id=ADMIN)
    await ask(tg, "/subscribe math", chat_id=GROUP, user_id=ADMIN)
    await tg.push_text(GROUP, "/topics", user_id=ADMIN)
    listing = (await tg.wait_for_messages(3, chat_id=GROUP))[2]
    payload = listing.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await tg.push_button(GROUP, ADMIN, listing.message_id, payload)
    await wait_until(lambda: _value(tg.answers), lambda answers: len(answers) == 1)
    # Twice: the listing is already what the refresh would show ("message is not modified").
    await tg.push_button(GROUP, ADMIN, listing.message_id, payload)
    await tg.push_button(GROUP, ADMIN, listing.message_id, "unsub:0123456789abcdef")  # forged token
    await tg.push_button(GROUP, ADMIN, listing.message_id, "no-such-prefix:1")  # forged prefix
    await tg.push_button(GROUP, ADMIN, listing.message_id, payload, stale=True)  # too old to answer
    await wait_until(lambda: _value(tg.answers), lambda answers: len(answers) == 4)
    removed, unknown = "That topic was already removed.", "That button is no longer in use."
    assert sorted(answer.split(" Run")[0] for answer in tg.answers[1:]) == sorted([removed, removed, unknown])
    await asyncio.sleep(0.3)  # the stale press is handled too: nothing may follow it
    assert len([m for m in tg.sent if m.chat_id == GROUP]) == 3  # no "Sorry" posted into the group
    assert await services.chats.topics(ChatRef("telegram", GROUP)) == ["math"]


async def test_an_unknown_command_is_answered_in_private_only(tg: FakeTelegram) -> None:
    reply = await ask(tg, "/subscibe cs.CL")
    assert "Did you mean /subscribe cs.CL?" in reply
    await tg.push_text(GROUP, "/othercommand@SomeOtherBot", user_id=MEMBER)
    # A later private message is answered, and by then the group's message was handled too.
    assert "Did you mean /subscribe" in await ask(tg, "/subscibe", chat_id=USER)
    assert [m for m in tg.sent if m.chat_id == GROUP] == []  # the group's other-bot command was left alone


async def test_topic_limit(tg: FakeTelegram) -> None:
    for topic in ("cs.CL", "cs.LG", "cs.AI"):
        assert "Subscribed" in await ask(tg, f"/subscribe {topic}")
    assert "already follows 3 topics, the most it can" in await ask(tg, "/subscribe cs.CV")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/subscribe", "Tell me what to follow"),
        ("/subscribe cs.CLL", "Did you mean cs.CL"),
        ('/subscribe "few-shot', "quote is not closed"),
        ("/subscribe (ti:a OR ti:b", "( is not closed"),
        ("/subscribe foo:bar", "unknown field foo:"),
        ("/subscribe " + "x" * 201, "at most 200 characters"),
        ("/unsubscribe", "Tell me which topic to drop"),
        ("/unsubscribe cs.XX", "not an arXiv category"),
        ("/settings language klingon", "not an ISO 639-1 language code"),
        ("/settings time 25:00", "use HH:MM on a 24-hour clock"),
        ("/settings timezone Mars/Olympus", "not a time zone"),
        ("/settings timezone UTC+15", "not a real UTC offset"),
        ("/settings max_papers 0", "from 1 to 50"),
        ("/settings max_papers 51", "from 1 to 50"),
        ("/settings style fancy", "use cards or compact"),
        ("/settings colour blue", "there is no setting 'colour'"),
        ("/settings time", "time needs a value"),
    ],
)
async def test_bad_input_is_explained_and_changes_nothing(
    tg: FakeTelegram, redis: Redis, command: str, expected: str
) -> None:
    await ask(tg, "/subscribe cs.CL")
    before = await keyspace(redis)
    reply = await ask(tg, command)
    assert expected in reply
    assert re.search(r"/(subscribe|unsubscribe|settings) [\w.]+", reply), reply  # an example with an argument
    assert await keyspace(redis) == before


async def test_group_admin_member_and_anonymous_admin(
    tg: FakeTelegram, services: Services, redis: Redis
) -> None:
    group = ChatRef("telegram", GROUP)
    assert "Subscribed to cs.CL" in await ask(tg, "/subscribe cs.CL", chat_id=GROUP, user_id=ADMIN)
    before = await keyspace(redis)
    reply = await ask(tg, "/subscribe cs.LG", chat_id=GROUP, user_id=MEMBER)
    assert "Only this group's admins can change" in reply
    for command in ("/unsubscribe cs.CL", "/unsubscribe all", "/settings time 07:00", "/pause"):
        await tg.push_text(GROUP, command, user_id=MEMBER)  # refused again: muted for a while
    assert "cs.CL" in await ask(tg, "/topics", chat_id=GROUP, user_id=MEMBER)
    await asyncio.sleep(0.2)
    refused = [m for m in tg.sent if m.chat_id == GROUP and "Only this group's admins" in m.visible_text]
    assert len(refused) == 1  # the member was told once; the group is not flooded
    assert await keyspace(redis) == before
    assert "time: 09:00" in await ask(tg, "/settings", chat_id=GROUP, user_id=MEMBER)
    reply = await ask(tg, "/subscribe@ArxivDigestTestBot math", chat_id=GROUP, anonymous_admin=True)
    assert "Subscribed to math (Mathematics)" in reply
    assert await services.chats.topics(group) == ["cs.CL", "math"]
    assert ("getChatMember", MEMBER) in [(m, int(p.get("user_id", 0))) for m, p in tg.calls]


async def test_a_crowd_of_refused_members_does_not_starve_the_admin(
    tg: FakeTelegram, services: Services, redis: Redis
) -> None:
    tg.group_messages_per_minute = 20  # as strict as Telegram in a group
    crowd = range(600, 660)
    for user in crowd:  # sixty members who may not change anything, one command each
        tg.chats[GROUP].members[user] = "member"
        await tg.push_text(GROUP, "/subscribe cs.LG", user_id=user)
    await tg.push_text(GROUP, "/subscribe cs.LG", user_id=600)  # and one of them again
    await tg.push_text(GROUP, "/settings time 07:30", user_id=ADMIN)
    await wait_until(
        lambda: _value([m.visible_text for m in tg.sent if m.chat_id == GROUP]),
        lambda texts: any("time is now 07:30" in t for t in texts),
        within=10,  # PTB's default group limit (20 a minute, admin checks included) took minutes here
    )
    await wait_until(  # every member's command has been handled (each needed an admin check)
        lambda: _value([p for m, p in tg.calls if m == "getChatMember"]), lambda checks: len(checks) >= 62
    )
    await asyncio.sleep(0.2)  # and its answer, if any, sent
    refusals = [m for m in tg.sent if m.chat_id == GROUP and "Only this group's admins" in m.visible_text]
    assert 1 <= len(refusals) <= 3  # the group heard "only admins" a few times, not sixty-one
    assert tg.rate_limited == []  # so the admin's answer never waited for Telegram's group limit
    assert await services.chats.topics(ChatRef("telegram", GROUP)) == []


async def test_member_cannot_press_unsubscribe_buttons(tg: FakeTelegram, services: Services) -> None:
    await ask(tg, "/subscribe cs.CL", chat_id=GROUP, user_id=ADMIN)
    await tg.push_text(GROUP, "/topics", user_id=MEMBER)
    listing = (await tg.wait_for_messages(2, chat_id=GROUP))[1]
    payload = listing.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await tg.push_button(GROUP, MEMBER, listing.message_id, payload)
    await wait_until(lambda: _value(tg.answers), bool)
    assert "Only this group's admins" in tg.answers[0]
    assert await services.chats.topics(ChatRef("telegram", GROUP)) == ["cs.CL"]


async def test_failed_admin_check_refuses(tg: FakeTelegram, redis: Redis) -> None:
    tg.chats[GROUP].members[ADMIN] = "error"
    before = await keyspace(redis)
    reply = await ask(tg, "/subscribe cs.CL", chat_id=GROUP, user_id=ADMIN)
    assert "couldn't check whether you're an admin" in reply
    assert await keyspace(redis) == before


async def test_channel_posts_manage_the_channel(tg: FakeTelegram, services: Services) -> None:
    reply = await ask(tg, "/subscribe astro-ph.GA", chat_id=CHANNEL)
    assert "Subscribed to astro-ph.GA (Astrophysics of Galaxies)" in reply
    state = await services.chats.get_chat(ChatRef("telegram", CHANNEL))
    assert state is not None
    assert (state.kind, state.title) == ("channel", "Papers channel")


async def test_blocked_user_is_deactivated_and_restored(tg: FakeTelegram, services: Services) -> None:
    chat = ChatRef("telegram", USER)
    await ask(tg, "/subscribe cs.CL")
    await tg.push_my_chat_member(USER, "member", "kicked")
    await wait_until(lambda: services.chats.get_chat(chat), lambda s: s is not None and not s.active)
    state = await services.chats.get_chat(chat)
    assert state is not None
    assert (state.active, state.inactive_reason) == (False, "blocked")
    assert await services.chats.topics(chat) == ["cs.CL"]
    await tg.push_my_chat_member(USER, "kicked", "member")
    await wait_until(lambda: services.chats.get_chat(chat), lambda s: s is not None and s.active)


async def test_403_on_reply_deactivates(tg: FakeTelegram, services: Services) -> None:
    chat = ChatRef("telegram", GROUP)
    await ask(tg, "/subscribe cs.CL", chat_id=GROUP, user_id=ADMIN)
    tg.chats[GROUP].blocked = True
    await tg.push_text(GROUP, "/topics", user_id=ADMIN)
    await wait_until(lambda: services.chats.get_chat(chat), lambda s: s is not None and not s.active)
    state = await services.chats.get_chat(chat)
    assert state is not None
    assert state.inactive_reason == "forbidden: Forbidden: bot was kicked from the group chat"


async def test_channel_without_post_rights_is_inactive(tg: FakeTelegram, services: Services) -> None:
    chat = ChatRef("telegram", CHANNEL)
    await ask(tg, "/subscribe cs.CL", chat_id=CHANNEL)
    await tg.push_my_chat_member(CHANNEL, "administrator", "administrator", can_post_messages=False)
    await wait_until(lambda: services.chats.get_chat(chat), lambda s: s is not None and not s.active)


async def test_group_migration_moves_subscriptions_once(tg: FakeTelegram, services: Services) -> None:
    old_id, new_id = -5001, -1005001
    tg.add_chat(old_id, "group", "Old group").members = {ADMIN: "creator"}
    await ask(tg, "/subscribe cs.CL", chat_id=old_id, user_id=ADMIN)
    await ask(tg, "/settings language de", chat_id=old_id, user_id=ADMIN)
    await tg.migrate_group(old_id, new_id)
    new = ChatRef("telegram", new_id)
    await wait_until(lambda: services.chats.topics(new), lambda topics: topics == ["cs.CL"])
    assert await services.chats.get_chat(ChatRef("telegram", old_id)) is None
    state = await services.chats.get_chat(new)
    assert state is not None
    assert state.settings.language == "de"
    assert await services.chats.all_chats() == [new]
    assert "cs.CL" in await ask(tg, "/topics", chat_id=new_id, user_id=ADMIN)


async def test_reply_to_a_migrated_chat_follows_it(tg: FakeTelegram, services: Services) -> None:
    old_id, new_id = -6001, -1006001
    tg.add_chat(old_id, "group", "Old").members = {ADMIN: "creator"}
    await ask(tg, "/subscribe cs.CL", chat_id=old_id, user_id=ADMIN)
    new = tg.add_chat(new_id, "supergroup", "Old")
    new.members = {ADMIN: "creator"}
    tg.chats[old_id].migrated_to = new_id  # the service message was lost; sending reveals the move
    await tg.push_text(old_id, "/topics", user_id=ADMIN)
    (reply,) = await tg.wait_for_messages(1, chat_id=new_id)
    assert "cs.CL" in reply.visible_text
    assert await services.chats.topics(ChatRef("telegram", new_id)) == ["cs.CL"]


async def test_state_survives_a_restart(
    make_settings: SettingsFactory, fake_tg: FakeTelegram, redis: Redis
) -> None:
    settings = make_settings(telegram_bot_token=fake_tg.token, telegram_api_url=fake_tg.api_url)
    for step in ("before", "after"):
        services = build_services(settings)
        try:
            async with telegram_bot(services):
                if step == "before":
                    await ask(fake_tg, "/subscribe cs.CL")
                    await ask(fake_tg, "/settings time 07:15")
                else:
                    assert "cs.CL" in await ask(fake_tg, "/topics")
                    assert "time: 07:15" in await ask(fake_tg, "/settings")
        finally:
            await services.aclose()


async def test_help_lists_every_command_with_examples(tg: FakeTelegram) -> None:
    text = await ask(tg, "/help")
    for command in (
        "/summarize 2402.01349",
        "/subscribe cs.CL",
        '/subscribe "few-shot" AND cat:cs.LG',
        "/unsubscribe all",
        "/topics",
        "/settings language zh",
        "/settings timezone Asia/Shanghai",
        "/settings max_papers 20",
        "/settings style compact",
        "/pause",
        "/resume",
    ):
        assert command in text
    parse_html(tg.sent[-1].text)


async def _value(value: Any) -> Any:
    return value


async def wait_until(read: Any, done: Any, within: float = 5) -> None:
    """Poll `read()` until `done(value)`; fail after `within` seconds."""
    for _ in range(int(within / 0.05)):
        if done(await read()):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"condition not met within {within} s; last value {await read()!r}")
