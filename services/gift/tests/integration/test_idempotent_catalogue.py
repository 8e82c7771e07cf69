"""Operator commands with an Idempotency-Key on a real database: a retry gets the first
answer and has no second effect (no second gift, no stock added twice), even when the
retries race each other; the same key with another request is a 409 problem."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from questline.devstack.testing import eventually
from questline.gift.adapters.outbound.uow import SqlGiftUnitOfWork
from questline.gift.application.catalogue import AddStock, CatalogueAnswer, add_stock
from questline.service_kit.db import Connection, Database
from questline.service_kit.idempotency import KEY_REUSED
from questline.service_kit.outbox import OutboxWriter

from .test_gift_api import add_gift, outbox_for

pytestmark = pytest.mark.integration

RACERS = 10


def fresh(prefix: str) -> str:
    """The database lives for the whole session: each test its own keys and names."""
    return f"{prefix}-{uuid.uuid4()}"


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def gifts_named(engine: AsyncEngine, name: str) -> int:
    async with engine.connect() as conn:
        found = await conn.execute(text("SELECT count(*) FROM gifts WHERE name = :n"), {"n": name})
        return int(found.scalar_one())


def assert_key_reused(response: httpx.Response) -> None:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["type"], problem["status"]) == (KEY_REUSED, 409)
    assert problem["title"] == "Idempotency-Key reused"


async def test_a_gift_posted_twice_with_one_key_is_one_gift_and_the_same_answer(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    gift, key = {"name": fresh("Golden mount"), "stock": 5}, fresh("key")

    first = await client.post("/gifts", json=gift, headers=keyed(key))
    again = await client.post("/gifts", json=gift, headers=keyed(key))

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert await gifts_named(engine, gift["name"]) == 1
    assert len(await outbox_for(engine, first.json()["id"])) == 1


async def test_the_same_key_with_another_gift_is_refused_and_adds_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    key, other = fresh("key"), fresh("Silver mount")
    await client.post(
        "/gifts", json={"name": fresh("Golden mount"), "stock": 5}, headers=keyed(key)
    )

    response = await client.post("/gifts", json={"name": other, "stock": 5}, headers=keyed(key))

    assert_key_reused(response)
    assert await gifts_named(engine, other) == 0


async def test_without_a_key_the_same_gift_posted_twice_is_two_gifts(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    gift = {"name": fresh("Golden mount"), "stock": 5}

    first = await client.post("/gifts", json=gift)
    second = await client.post("/gifts", json=gift)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert await gifts_named(engine, gift["name"]) == 2


async def test_a_restock_posted_twice_with_one_key_adds_the_stock_once(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    gift, key = await add_gift(client, stock=10), fresh("restock")
    path = f"/gifts/{gift['id']}/stock"

    first = await client.post(path, json={"quantity": 5}, headers=keyed(key))
    again = await client.post(path, json={"quantity": 5}, headers=keyed(key))

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert (first.json()["stock"], first.json()["stockedTotal"]) == (15, 15)
    assert (await client.get(f"/gifts/{gift['id']}")).json()["stock"] == 15
    assert len(await outbox_for(engine, gift["id"])) == 2  # the first stock, one restock


async def test_a_restock_key_sent_with_another_quantity_is_refused_and_adds_nothing(
    client: httpx.AsyncClient,
) -> None:
    gift, key = await add_gift(client, stock=10), fresh("restock")
    path = f"/gifts/{gift['id']}/stock"
    await client.post(path, json={"quantity": 5}, headers=keyed(key))

    response = await client.post(path, json={"quantity": 6}, headers=keyed(key))

    assert_key_reused(response)
    assert (await client.get(f"/gifts/{gift['id']}")).json()["stock"] == 15


async def test_a_refused_restock_leaves_its_key_for_the_retry(
    client: httpx.AsyncClient,
) -> None:
    key = fresh("restock")
    missing = await client.post(
        "/gifts/no-such-gift/stock", json={"quantity": 5}, headers=keyed(key)
    )
    gift = await add_gift(client, stock=10)

    response = await client.post(
        f"/gifts/{gift['id']}/stock", json={"quantity": 5}, headers=keyed(key)
    )

    assert missing.status_code == 404
    assert (response.status_code, response.json()["stock"]) == (200, 15)
    assert "idempotent-replayed" not in response.headers


@pytest.mark.parametrize("key", ["", "k" * 201])
async def test_an_empty_or_overlong_key_is_refused_with_a_problem(
    client: httpx.AsyncClient, key: str
) -> None:
    response = await client.post("/gifts", json={"name": "Mount", "stock": 1}, headers=keyed(key))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_gifts_posted_at_once_with_one_key_are_one_gift(
    crowded_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    gift, key = {"name": fresh("Golden mount"), "stock": 5}, fresh("key")

    responses = await asyncio.gather(
        *(crowded_client.post("/gifts", json=gift, headers=keyed(key)) for _ in range(RACERS))
    )

    assert Counter(r.status_code for r in responses) == {201: RACERS}
    assert len({r.text for r in responses}) == 1
    replayed = [r.headers.get("idempotent-replayed") for r in responses]
    assert Counter(replayed) == {None: 1, "true": RACERS - 1}
    assert await gifts_named(engine, gift["name"]) == 1


async def test_restocks_posted_at_once_with_one_key_add_the_stock_once(
    crowded_client: httpx.AsyncClient,
) -> None:
    gift, key = await add_gift(crowded_client, stock=10), fresh("restock")
    path = f"/gifts/{gift['id']}/stock"

    responses = await asyncio.gather(
        *(
            crowded_client.post(path, json={"quantity": 5}, headers=keyed(key))
            for _ in range(RACERS)
        )
    )

    assert Counter(r.status_code for r in responses) == {200: RACERS}
    assert {r.json()["stock"] for r in responses} == {15}
    assert (await crowded_client.get(f"/gifts/{gift['id']}")).json()["stock"] == 15


@pytest.fixture
async def connections(database_url: str) -> AsyncIterator[list[Connection]]:
    database = Database(database_url, pool_size=RACERS + 1)
    pool = await database.pool()
    acquired = await asyncio.gather(*(pool.acquire() for _ in range(RACERS)))
    try:
        yield list(acquired)
    finally:
        await asyncio.gather(*(pool.release(c) for c in acquired))
        await database.close()


async def test_transactions_racing_with_one_key_restock_once_and_all_answer_alike(
    client: httpx.AsyncClient, connections: list[Connection]
) -> None:
    gift, key = await add_gift(client, stock=10), fresh("restock")
    outbox = OutboxWriter(source="/questline/gift")
    everyone_in = asyncio.Barrier(RACERS)

    async def race(conn: Connection) -> CatalogueAnswer:
        async with conn.transaction():
            # Every transaction has begun before any claims the key: only the database
            # can keep them apart.
            await conn.execute("SELECT 1")
            await everyone_in.wait()
            uow = SqlGiftUnitOfWork(outbox=outbox, connection=conn)
            return await add_stock(AddStock(gift["id"], 5, key), uow)

    answers = await asyncio.gather(*(race(c) for c in connections))

    assert Counter(a.replayed for a in answers) == {False: 1, True: RACERS - 1}
    assert all(a.view == answers[0].view for a in answers)
    assert (await client.get(f"/gifts/{gift['id']}")).json()["stock"] == 15


async def waiting_on_a_lock(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        waiting = await conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock' "
                "AND query LIKE 'INSERT INTO idempotency_keys%'"
            )
        )
        return int(waiting.scalar_one()) > 0


async def test_a_retry_waits_for_the_first_request_and_takes_the_key_if_it_fails(
    client: httpx.AsyncClient, engine: AsyncEngine, connections: list[Connection]
) -> None:
    gift, key = await add_gift(client, stock=10), fresh("restock")
    first, retry = connections[:2]
    outbox = OutboxWriter(source="/questline/gift")
    command = AddStock(gift["id"], 5, key)
    holding = first.transaction()
    await holding.start()
    await SqlGiftUnitOfWork(outbox=outbox, connection=first).idempotency_keys.claim(
        key, command.fingerprint
    )

    async def retried() -> Any:
        async with retry.transaction():
            return await add_stock(command, SqlGiftUnitOfWork(outbox=outbox, connection=retry))

    racing = asyncio.create_task(retried())
    await eventually(lambda: waiting_on_a_lock(engine))
    await holding.rollback()  # the first request failed: nothing done, the key is free
    answer = await racing

    assert (answer.replayed, answer.view.gift.stock) == (False, 15)
