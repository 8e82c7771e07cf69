"""Wallet entries carry their gift's name from gift's catalogue events, whichever of the
exchange and the name arrives first, and however two batches overlap."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from questline.contracts import events as contract
from questline.devstack.testing import eventually
from questline.service_kit.db import Database

from .test_concurrent_batches import a_session_waits_for_a_lock

pytestmark = pytest.mark.integration

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
DEPOSITED = contract.RewardDeposited(
    customer_id="alice", reward_id="rw-1", mission_id="ach-1", points=50, deposited_at=T0
)
EXCHANGED = contract.RewardExchanged(
    customer_id="alice", reward_id="rw-1", gift_id="gift-mount", exchange_id="x-1", exchanged_at=T0
)


def catalogued(name: str = "Golden mount", stock: int = 4) -> contract.GiftCatalogued:
    return contract.GiftCatalogued(gift_id="gift-mount", name=name, stock=stock, stocked_total=5)


async def gift_names(client: httpx.AsyncClient) -> list[str | None]:
    return [w["giftName"] for w in (await client.get("/mypage/alice")).json()["wallet"]]


async def test_an_exchange_heard_before_its_gift_shows_no_name_then_the_name(
    client: httpx.AsyncClient, consume: Any
) -> None:
    await consume(("e1", DEPOSITED), ("e2", EXCHANGED))
    assert await gift_names(client) == [None]

    await consume(("e3", catalogued()))

    assert await gift_names(client) == ["Golden mount"]


async def test_a_gift_catalogued_before_the_exchange_names_it_at_once(
    client: httpx.AsyncClient, consume: Any
) -> None:
    await consume(("e3", catalogued()))

    await consume(("e1", DEPOSITED), ("e2", EXCHANGED))

    assert await gift_names(client) == ["Golden mount"]


async def test_stock_changes_of_a_named_gift_do_not_change_the_page(
    client: httpx.AsyncClient, consume: Any, engine: AsyncEngine
) -> None:
    await consume(("e1", DEPOSITED), ("e2", EXCHANGED), ("e3", catalogued()))
    before = await version_of(engine)

    await consume(("e4", catalogued(stock=3)), ("e5", catalogued(stock=2)))

    assert await version_of(engine) == before
    assert await gift_names(client) == ["Golden mount"]


async def version_of(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        version: int = await conn.scalar(
            text("SELECT version FROM customer_pages WHERE customer_id = 'alice'")
        )
    return version


@pytest.mark.parametrize("first", ["exchange", "catalogue"])
async def test_an_exchange_and_its_gifts_name_in_overlapping_batches_end_named(
    client: httpx.AsyncClient, database: Database, apply: Any, as_incoming: Any, first: str
) -> None:
    exchange = [as_incoming("e1", DEPOSITED), as_incoming("e2", EXCHANGED)]
    catalogue = [as_incoming("e3", catalogued())]
    one, two = (exchange, catalogue) if first == "exchange" else (catalogue, exchange)

    async def second_batch() -> None:
        async with database.transaction() as conn:
            await apply(conn, two)

    async with database.transaction() as conn:
        await apply(conn, one)
        # The second batch cannot decide on the name before the first commits.
        waiting = asyncio.create_task(second_batch())
        await eventually(lambda: a_session_waits_for_a_lock(database), timeout=10)
    await waiting

    assert await gift_names(client) == ["Golden mount"]
