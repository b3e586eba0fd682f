"""The ledger's transitions, on a real redis-server and on the embedded store."""

from __future__ import annotations

from redis.asyncio import Redis

from bot.core.models import ChatRef
from bot.store.keys import Keys
from bot.store.ledger import Ledger
from tests.support.clock import Clock

CHAT = ChatRef("telegram", 7)


async def test_life_of_an_entry(backend: Redis) -> None:
    ledger = Ledger(backend, Keys("t:"))
    assert await ledger.plan(CHAT, "r1", [("p1", "card"), ("p2", "link")]) == ["p1", "p2"]
    assert await ledger.plan(CHAT, "r1", [("p1", "card")]) == ["p1"]  # re-planning the same round
    assert await ledger.plan(CHAT, "r2", [("p1", "card"), ("p3", "row")]) == ["p3"]  # never twice
    assert await ledger.claim(CHAT, "d1/0", ["p1", "p2"]) == (["p1", "p2"], [])
    assert await ledger.claim(CHAT, "d2/0", ["p1"]) == ([], [])  # someone else has it
    assert await ledger.claim(CHAT, "d1/0", ["p1"]) == ([], ["p1"])  # our own claim, seen again
    assert await ledger.finish(CHAT, ["p1"], "sent", message_id="42") == 1
    assert await ledger.finish(CHAT, ["p1"], "failed", reason="late") == 0  # final states stay
    assert await ledger.finish(CHAT, ["p2"], "uncertain", reason="a|b") == 1
    entries = await ledger.entries(CHAT)
    assert (entries["p1"].state, entries["p1"].message_id, entries["p1"].mode) == ("sent", "42", "card")
    assert (entries["p2"].state, entries["p2"].reason, entries["p2"].mode) == ("uncertain", "a/b", "link")
    assert (entries["p3"].state, entries["p3"].round) == ("planned", "r2")
    assert await ledger.known(CHAT, ["p1", "p9"]) == {"p1"}


async def test_prune_forgets_only_old_final_entries(backend: Redis) -> None:
    clock = Clock()
    ledger = Ledger(backend, Keys("t:"), clock=clock)
    await ledger.plan(CHAT, "r1", [("old", "card"), ("open", "card")])
    await ledger.finish(CHAT, ["old"], "sent")
    clock.now += 61 * 86400
    await ledger.plan(CHAT, "r2", [("new", "card")])
    await ledger.finish(CHAT, ["new"], "sent")
    assert await ledger.prune(CHAT, 60 * 86400) == 1
    assert set(await ledger.entries(CHAT)) == {"open", "new"}


async def test_move_keeps_what_the_new_id_has(backend: Redis) -> None:
    ledger = Ledger(backend, Keys("t:"))
    new = ChatRef("telegram", -100)
    await ledger.plan(CHAT, "r1", [("p1", "card"), ("p2", "card")])
    await ledger.plan(new, "r9", [("p2", "row")])
    await ledger.move(CHAT, new)
    entries = await ledger.entries(new)
    assert (entries["p1"].round, entries["p2"].round) == ("r1", "r9")
    assert await ledger.entries(CHAT) == {}


async def test_papers_a_dead_planner_left_are_adopted_later(backend: Redis) -> None:
    clock = Clock()
    ledger = Ledger(backend, Keys("t:"), clock=clock)
    assert await ledger.plan(CHAT, "forced#1", [("p1", "card")]) == ["p1"]  # then the planner died
    assert await ledger.plan(CHAT, "forced#2", [("p1", "card")]) == []  # it may still be queued
    clock.now += 901
    assert await ledger.plan(CHAT, "forced#3", [("p1", "card")]) == ["p1"]
    assert (await ledger.entries(CHAT))["p1"].round == "forced#3"
