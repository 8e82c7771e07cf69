"""Every mypage process serves pages from memory and hears, through PostgreSQL notices,
which pages a projection batch changed — its own or another replica's."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from questline.devstack.testing import eventually
from questline.mypage.adapters.outbound.page_cache import CachedMyPageReader
from questline.mypage.adapters.outbound.store import CHANNEL, SqlMyPageReader
from questline.service_kit.db import Database
from questline.service_kit.notices import Listener

from .conftest import incoming
from .test_my_page_api import achieved

pytestmark = pytest.mark.integration


class Counted(SqlMyPageReader):
    reads = 0

    async def get(self, customer_id: str) -> Any:
        self.reads += 1
        return await super().get(customer_id)


async def test_a_committed_batch_reaches_a_cached_page_through_its_notice(
    database: Database, consume: Any
) -> None:
    reader = Counted(database)
    pages = CachedMyPageReader(reader, database, capacity=100)
    stopping = asyncio.Event()
    listening = asyncio.create_task(pages.listener.run(stopping))
    try:
        await eventually(lambda: pages.listener.listening)
        assert await pages.get("alice") is None
        assert await pages.get("alice") is None
        assert reader.reads == 1  # the second read came from memory

        await consume(("e1", achieved("ach-1", "first-win", 50, 0)))

        async def shows_the_mission() -> bool:
            page = await pages.get("alice")
            return page is not None and len(page.visible_missions()) == 1

        await eventually(shows_the_mission)
        reads = reader.reads
        await pages.get("alice")
        assert reader.reads == reads  # cached again once read after the change
    finally:
        stopping.set()
        await listening


async def test_a_rolled_back_batch_announces_nothing(database: Database, apply: Any) -> None:
    heard: list[list[str]] = []
    listener = Listener(database, CHANNEL, heard.append, lambda: None)
    stopping = asyncio.Event()
    listening = asyncio.create_task(listener.run(stopping))
    try:
        await eventually(lambda: listener.listening)

        async def failing_batch() -> None:
            async with database.transaction() as conn:
                bobs = achieved("ach-1", "first-win", 50, 0).model_copy(
                    update={"customer_id": "bob"}
                )
                await apply(conn, [incoming("e1", bobs)])
                raise RuntimeError("the batch failed")

        with pytest.raises(RuntimeError):
            await failing_batch()
        async with database.transaction() as conn:
            await apply(conn, [incoming("e2", achieved("ach-2", "first-win", 50, 0))])
        await eventually(lambda: heard)
        assert heard == [["alice"]]  # once, for the committed batch only (never bob's)
    finally:
        stopping.set()
        await listening
