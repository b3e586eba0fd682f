"""The ChatStore contract, run against every backend: a real redis-server and the embedded store."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from bot.core.chat_settings import ChatSettings
from bot.core.models import ChatRef
from bot.store.chats import ChatStore, SubscribeResult
from bot.store.keys import Keys
from bot.store.migrations import SchemaError, migrate
from tests.support.clock import Clock

DEFAULTS = ChatSettings(language="en", time="09:00", timezone="UTC")
A = ChatRef("telegram", 1)
B = ChatRef("telegram", -100200)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(backend: Redis, clock: Clock) -> ChatStore:
    return ChatStore(backend, Keys("test:"), clock=clock)


async def test_new_chat_gets_defaults_once(store: ChatStore) -> None:
    assert await store.get_chat(A) is None
    state = await store.ensure_chat(A, "private", None, DEFAULTS)
    assert state.settings == DEFAULTS
    assert state.receives_digests
    other = ChatSettings(language="zh", time="07:00", timezone="UTC")
    assert (await store.ensure_chat(A, "private", None, other)).settings == DEFAULTS
    assert await store.all_chats() == [A]


async def test_settings_change(store: ChatStore) -> None:
    await store.ensure_chat(A, "private", None, DEFAULTS)
    await store.set_setting(A, "language", "zh")
    state = await store.set_setting(A, "max_papers", "20")
    assert (state.settings.language, state.settings.max_papers) == ("zh", 20)
    state = await store.set_setting(A, "paused", "1")
    assert state.settings.paused
    assert not state.receives_digests
    with pytest.raises(KeyError):
        await store.set_setting(B, "language", "zh")


async def test_subscriptions(store: ChatStore, backend: Redis) -> None:
    await store.ensure_chat(A, "private", None, DEFAULTS)
    await store.ensure_chat(B, "group", "Group", DEFAULTS)
    assert await store.subscribe(A, "cs.CL", 25) is SubscribeResult.ADDED
    assert await store.subscribe(A, "cs.CL", 25) is SubscribeResult.ALREADY
    assert await store.subscribe(B, "cs.CL", 25) is SubscribeResult.ADDED
    assert await store.subscribe(A, 'all:"few-shot"', 25) is SubscribeResult.ADDED
    assert await store.topics(A) == ['all:"few-shot"', "cs.CL"]
    assert await store.topics(B) == ["cs.CL"]
    assert await store.unsubscribe(A, "cs.CL")
    assert not await store.unsubscribe(A, "cs.CL")
    assert await store.topics(B) == ["cs.CL"]
    assert await store.unsubscribe_all(A) == ['all:"few-shot"']
    assert await store.topics(A) == []
    assert not [k for k in await backend.keys("*") if ":topic:" in k]  # no reverse index is kept


async def test_topic_limit_holds_under_concurrency(store: ChatStore) -> None:
    await store.ensure_chat(A, "private", None, DEFAULTS)
    results = await asyncio.gather(*(store.subscribe(A, f"all:t{i}", 5) for i in range(20)))
    assert results.count(SubscribeResult.ADDED) == 5
    assert results.count(SubscribeResult.LIMIT) == 15
    assert len(await store.topics(A)) == 5


async def test_deactivate_keeps_subscriptions_and_reactivation_restores(
    store: ChatStore, clock: Clock
) -> None:
    await store.ensure_chat(A, "private", None, DEFAULTS)
    await store.subscribe(A, "cs.CL", 25)
    assert await store.set_active(A, active=False, reason="blocked")
    assert not await store.set_active(A, active=False, reason="blocked")
    state = await store.get_chat(A)
    assert state is not None
    assert (state.active, state.inactive_reason, state.inactive_since) == (False, "blocked", clock.now)
    assert not state.receives_digests
    assert await store.topics(A) == ["cs.CL"]
    assert await store.set_active(A, active=True)
    state = await store.get_chat(A)
    assert state is not None
    assert state.receives_digests
    assert state.inactive_reason is None


async def test_purge_only_long_inactive_chats(store: ChatStore, clock: Clock) -> None:
    await store.ensure_chat(A, "private", None, DEFAULTS)
    await store.ensure_chat(B, "group", None, DEFAULTS)
    await store.subscribe(A, "cs.CL", 25)
    await store.subscribe(B, "cs.CL", 25)
    await store.set_active(A, active=False, reason="blocked")
    clock.now += 10 * 86400
    assert await store.purge_inactive(30 * 86400) == []
    clock.now += 21 * 86400
    assert await store.purge_inactive(30 * 86400) == [A]
    assert await store.get_chat(A) is None
    assert await store.topics(A) == []
    assert await store.topics(B) == ["cs.CL"]
    assert await store.all_chats() == [B]


async def test_migration_moves_everything_exactly_once(store: ChatStore) -> None:
    old, new = ChatRef("telegram", -300), ChatRef("telegram", -1000000000300)
    await store.ensure_chat(old, "group", "Readers", DEFAULTS)
    await store.set_setting(old, "language", "de")
    await store.subscribe(old, "cs.CL", 25)
    await store.subscribe(old, "math", 25)
    results = await asyncio.gather(*(store.migrate(old, new) for _ in range(5)))
    assert results.count(True) == 1
    assert await store.get_chat(old) is None
    state = await store.get_chat(new)
    assert state is not None
    assert (state.settings.language, state.title) == ("de", "Readers")
    assert await store.topics(new) == ["cs.CL", "math"]
    assert await store.topics(old) == []
    assert await store.all_chats() == [new]
    assert not await store.migrate(old, new)


async def test_unknown_migration_is_a_no_op(store: ChatStore) -> None:
    assert not await store.migrate(A, B)
    assert await store.all_chats() == []


async def test_keys_share_one_hash_tag(store: ChatStore, backend: Redis) -> None:
    await store.ensure_chat(A, "private", None, DEFAULTS)
    await store.subscribe(A, "cs.CL", 25)
    keys = await backend.keys("*")
    assert keys
    assert all("{subs}" in key for key in keys)
    assert await backend.get(Keys("test:").schema()) == "2"


async def test_schema_1_data_is_migrated_once(store: ChatStore, backend: Redis) -> None:
    keys = Keys("test:")
    # What release 0.1 wrote: schema 1, with a reverse topic → chats index beside the chats.
    await store.ensure_chat(A, "private", None, DEFAULTS)
    await store.subscribe(A, "cs.CL", 25)
    await backend.set(keys.schema(), "1")
    await backend.sadd("test:{subs}:topic:cs.CL", A.key())
    await backend.sadd('test:{subs}:topic:all:"few-shot"', B.key())
    done = await migrate(backend, keys)
    assert done == ["schema 1 → 2: dropped the reverse topic index (2 key(s))"]
    assert await backend.get(keys.schema()) == "2"
    assert not [k for k in await backend.keys("*") if ":topic:" in k]
    assert await store.topics(A) == ["cs.CL"]  # what users chose is untouched
    assert await migrate(backend, keys) == []


async def test_a_new_store_starts_current_and_newer_data_is_refused(backend: Redis) -> None:
    keys = Keys("test:")
    assert await migrate(backend, keys) == []
    assert await backend.get(keys.schema()) == "2"
    await backend.set(keys.schema(), "3")
    with pytest.raises(SchemaError, match="newer than this release"):
        await migrate(backend, keys)


async def test_many_chats_in_one_read(store: ChatStore) -> None:
    await store.ensure_chat(A, "private", None, DEFAULTS)
    states = await store.get_chats([A, B])
    assert states[0] is not None
    assert states[0].chat == A
    assert states[1] is None
