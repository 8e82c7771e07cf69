"""The read cache serves a page from memory until a notice says it changed, and never
keeps a page that may predate a change it heard about."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from questline.mypage.adapters.outbound.page_cache import CachedMyPageReader
from questline.mypage.domain.view import MyPage
from questline.service_kit.db import Database

ACHIEVED_AT = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


class CountingReader:
    def __init__(self) -> None:
        self.reads = 0
        self.version = 0
        self.hold: asyncio.Event | None = None
        self.began = asyncio.Event()  # set once a read has begun

    async def get(self, customer_id: str) -> MyPage | None:
        self.reads += 1
        seen = self.version  # what the database held when the read began
        self.began.set()
        if self.hold is not None:
            await self.hold.wait()
        page = MyPage(customer_id)
        page.mission_achieved(f"m-{seen}", "first-win", "First win", 10, ACHIEVED_AT)
        return page


def cache(reader: CountingReader, listening: bool = True) -> CachedMyPageReader:
    cached = CachedMyPageReader(reader, Database("postgresql://unused/x"), capacity=2)
    cached.listener.listening = listening
    return cached


async def test_a_second_read_of_an_unchanged_page_comes_from_memory():
    reader = CountingReader()
    pages = cache(reader)
    await pages.get("alice")
    await pages.get("alice")
    assert reader.reads == 1


async def test_a_notice_makes_the_next_read_go_to_the_database():
    reader = CountingReader()
    pages = cache(reader)
    await pages.get("alice")
    reader.version = 1
    pages._changed(["alice"])
    page = await pages.get("alice")
    assert reader.reads == 2 and page is not None
    assert [m["mission_id"] for m in page.visible_missions()] == ["m-1"]


async def test_a_page_read_while_its_change_was_announced_is_not_kept():
    reader = CountingReader()
    pages = cache(reader)
    reader.hold = asyncio.Event()
    read = asyncio.create_task(pages.get("alice"))
    await reader.began.wait()  # the read has begun and holds version 0
    reader.version = 1
    pages._changed(["alice"])
    reader.hold.set()
    await read
    reader.hold = None
    page = await pages.get("alice")
    assert reader.reads == 2 and page is not None
    assert [m["mission_id"] for m in page.visible_missions()] == ["m-1"]


async def test_nothing_is_kept_while_the_listener_is_not_listening():
    reader = CountingReader()
    pages = cache(reader, listening=False)
    await pages.get("alice")
    await pages.get("alice")
    assert reader.reads == 2


async def test_a_gap_in_the_notices_empties_the_cache():
    reader = CountingReader()
    pages = cache(reader)
    await pages.get("alice")
    pages._gap()
    await pages.get("alice")
    assert reader.reads == 2


async def test_the_least_recently_read_page_leaves_a_full_cache():
    reader = CountingReader()
    pages = cache(reader)  # capacity 2
    for customer in ("alice", "bob", "alice", "carol"):
        await pages.get(customer)
    await pages.get("alice")
    assert reader.reads == 3  # alice stayed (read recently); bob left for carol
    await pages.get("bob")
    assert reader.reads == 4


async def test_a_notice_for_every_page_empties_the_cache():
    reader = CountingReader()
    pages = cache(reader)
    await pages.get("alice")
    pages._changed(["*"])
    await pages.get("alice")
    assert reader.reads == 2


async def test_a_notice_wakes_the_streams_of_that_page_only():
    pages = cache(CountingReader())
    alice, alice_again, bob = (pages.watchers.watch(c) for c in ("alice", "alice", "bob"))

    pages._changed(["alice", "carol"])

    assert await alice.changed(0.01) and await alice_again.changed(0.01)
    assert not await bob.changed(0.01)
    assert not await alice.changed(0.01)  # told once per change


async def test_a_gap_or_a_rebuild_wakes_every_stream():
    pages = cache(CountingReader())
    alice, bob = pages.watchers.watch("alice"), pages.watchers.watch("bob")

    pages._gap()
    assert await alice.changed(0.01) and await bob.changed(0.01)
    pages._changed(["*"])
    assert await alice.changed(0.01) and await bob.changed(0.01)


async def test_a_closed_stream_is_forgotten():
    pages = cache(CountingReader())
    watch = pages.watchers.watch("alice")

    watch.close()

    assert len(pages.watchers) == 0
    pages._changed(["alice"])
    assert not await watch.changed(0.01)


async def test_stopping_wakes_every_stream_and_tells_it_to_end():
    pages = cache(CountingReader())
    watch = pages.watchers.watch("alice")
    waiting = asyncio.create_task(watch.changed(60))

    pages.watchers.close()

    assert await waiting and watch.closed
