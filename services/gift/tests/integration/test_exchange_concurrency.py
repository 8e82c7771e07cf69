"""Exchanges racing each other on a real database: the stock never goes below zero
and a reward never takes a second gift, however many requests arrive at once.

Through the HTTP app the requests for one gift share transactions (group commit); the
direct variant opens 50 transactions on 50 connections, lets them all start, and only
then lets every one exchange: only the database's locks (the gift row lock, the
reward's advisory lock) can keep them apart.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from questline.gift.adapters.outbound.uow import SqlGiftUnitOfWork
from questline.gift.application.exchange_gift import (
    ExchangeGift,
    ExchangeRecorded,
    exchange_gift,
)
from questline.gift.domain.errors import OutOfStock
from questline.service_kit.db import Connection, Database
from questline.service_kit.ids import new_id, utc_now
from questline.service_kit.outbox import OutboxWriter

pytestmark = pytest.mark.integration

OUT_OF_STOCK = "https://questline.dev/problems/out-of-stock"
EXCHANGED = "questline.gift.exchanged.v1"
RACERS = 50
STOCK = 10


async def add_gift(client: httpx.AsyncClient, stock: int) -> str:
    response = await client.post("/gifts", json={"name": "Limited banner", "stock": stock})
    assert response.status_code == 201, response.text
    gift_id: str = response.json()["id"]
    return gift_id


def exchange(client: httpx.AsyncClient, reward_id: str, gift_id: str) -> Any:
    return client.post(
        "/exchanges", json={"rewardId": reward_id, "customerId": "alice", "giftId": gift_id}
    )


async def exchanges_of_gift(engine: AsyncEngine, gift_id: str) -> list[Any]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT * FROM exchanges WHERE gift_id = :g ORDER BY stock_left DESC"),
            {"g": gift_id},
        )
        return list(rows)


async def exchanged_events_of_gift(engine: AsyncEngine, gift_id: str) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT payload FROM outbox WHERE headers->>'ce_type' = :t"), {"t": EXCHANGED}
        )
        events = [json.loads(r.payload) for r in rows]
    return [e for e in events if e["giftId"] == gift_id]


async def assert_stock_drawn_exactly(
    client: httpx.AsyncClient, engine: AsyncEngine, gift_id: str, rewards: set[str]
) -> None:
    """`rewards` took the whole stock: one row and one event each, every item once."""
    gift = (await client.get(f"/gifts/{gift_id}")).json()
    assert (gift["stock"], gift["stockedTotal"], gift["exchangedCount"]) == (0, STOCK, STOCK)
    assert gift["stockedTotal"] == gift["stock"] + gift["exchangedCount"]  # invariant 4
    rows = await exchanges_of_gift(engine, gift_id)
    assert {r.reward_id for r in rows} == rewards
    # Each exchange saw the stock its predecessor left: 9, 8, ... 0, no number twice.
    assert [r.stock_left for r in rows] == list(range(STOCK - 1, -1, -1))
    events = await exchanged_events_of_gift(engine, gift_id)
    assert sorted(e["exchangeId"] for e in events) == sorted(r.id for r in rows)


async def test_fifty_rewards_racing_for_ten_items_get_exactly_ten(
    crowded_client: httpx.AsyncClient,
    engine: AsyncEngine,
) -> None:
    gift_id = await add_gift(crowded_client, stock=STOCK)
    rewards = [f"reward-{uuid.uuid4()}" for _ in range(RACERS)]

    responses = await asyncio.gather(*(exchange(crowded_client, r, gift_id) for r in rewards))

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: STOCK, 409: RACERS - STOCK}, statuses
    refused = [r.json() for r in responses if r.status_code == 409]
    assert {(p["type"], p["giftId"]) for p in refused} == {(OUT_OF_STOCK, gift_id)}
    winners = {r.json()["rewardId"] for r in responses if r.status_code == 201}
    await assert_stock_drawn_exactly(crowded_client, engine, gift_id, winners)


@pytest.fixture
async def fifty_connections(database_url: str) -> AsyncIterator[list[Connection]]:
    database = Database(database_url, pool_size=RACERS)
    pool = await database.pool()
    connections = await asyncio.gather(*(pool.acquire() for _ in range(RACERS)))
    try:
        yield list(connections)
    finally:
        await asyncio.gather(*(pool.release(c) for c in connections))
        await database.close()


async def test_fifty_transactions_on_fifty_connections_take_ten_items_and_no_more(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    fifty_connections: list[Connection],
) -> None:
    gift_id = await add_gift(client, stock=STOCK)
    outbox = OutboxWriter(source="/questline/gift")
    everyone_in = asyncio.Barrier(RACERS)

    async def race(conn: Connection) -> ExchangeRecorded | OutOfStock:
        command = ExchangeGift(f"reward-{uuid.uuid4()}", "alice", gift_id)
        try:
            async with conn.transaction():
                # Every transaction has begun (and holds a snapshot) before any exchanges.
                await conn.execute("SELECT 1")
                await everyone_in.wait()
                uow = SqlGiftUnitOfWork(outbox=outbox, connection=conn)
                return await exchange_gift(command, uow, utc_now, new_id)
        except OutOfStock as refused:
            return refused

    results = await asyncio.gather(*(race(c) for c in fifty_connections))

    won = [r for r in results if isinstance(r, ExchangeRecorded)]
    assert (len(won), len(results) - len(won)) == (STOCK, RACERS - STOCK)
    assert not any(r.replayed for r in won)
    winners = {r.exchange.reward_id for r in won}
    await assert_stock_drawn_exactly(client, engine, gift_id, winners)


@pytest.mark.parametrize("copies", [2, 10])
async def test_the_same_reward_sent_many_times_at_once_is_exchanged_once(
    crowded_client: httpx.AsyncClient,
    engine: AsyncEngine,
    copies: int,
) -> None:
    gift_id = await add_gift(crowded_client, stock=STOCK)
    reward_id = f"reward-{uuid.uuid4()}"

    responses = await asyncio.gather(
        *(exchange(crowded_client, reward_id, gift_id) for _ in range(copies))
    )

    assert sorted(r.status_code for r in responses) == [200] * (copies - 1) + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    replays = [r for r in responses if r.status_code == 200]
    assert all(r.headers["Idempotent-Replayed"] == "true" for r in replays)
    [row] = await exchanges_of_gift(engine, gift_id)
    assert (row.reward_id, row.stock_left) == (reward_id, STOCK - 1)
    assert len(await exchanged_events_of_gift(engine, gift_id)) == 1
    assert (await crowded_client.get(f"/gifts/{gift_id}")).json()["stock"] == STOCK - 1


async def test_the_same_reward_racing_for_two_gifts_takes_only_one(
    crowded_client: httpx.AsyncClient,
    engine: AsyncEngine,
) -> None:
    first_gift = await add_gift(crowded_client, stock=STOCK)
    second_gift = await add_gift(crowded_client, stock=STOCK)
    reward_id = f"reward-{uuid.uuid4()}"

    responses = await asyncio.gather(
        *(exchange(crowded_client, reward_id, g) for g in [first_gift, second_gift] * 5)
    )

    assert sorted(r.status_code for r in responses) == [200] * 9 + [201]
    [taken] = {r.json()["giftId"] for r in responses}
    stocks = {
        g: (await crowded_client.get(f"/gifts/{g}")).json()["stock"]
        for g in [first_gift, second_gift]
    }
    assert stocks == {g: STOCK - 1 if g == taken else STOCK for g in stocks}
