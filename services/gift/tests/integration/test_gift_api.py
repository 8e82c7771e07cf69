"""The gift catalogue over HTTP, on a real database: camelCase JSON, problem+json
errors, and one GiftStockChanged and one GiftCatalogued in the outbox per state change."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.integration

PROBLEM_JSON = "application/problem+json"


STOCK_CHANGED = "questline.gift.stock-changed.v1"
CATALOGUED = "questline.gift.catalogued.v1"


async def outbox_for(
    engine: AsyncEngine, gift_id: str, type_: str = STOCK_CHANGED
) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT topic, key, headers, payload FROM outbox "
                "WHERE key = :k AND headers->>'ce_type' = :t ORDER BY id"
            ),
            {"k": gift_id, "t": type_},
        )
        return [
            {"topic": r.topic, "headers": r.headers, "data": json.loads(r.payload)} for r in rows
        ]


async def add_gift(
    client: httpx.AsyncClient, name: str = "Golden sword", stock: int = 10
) -> dict[str, Any]:
    response = await client.post("/gifts", json={"name": name, "stock": stock})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_fresh_install_offers_the_seeded_gifts_ordered_by_name(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/gifts")

    assert response.status_code == 200
    gifts = response.json()
    names = [g["name"] for g in gifts]
    assert names == sorted(names)
    seeded = {
        g["id"]: (g["stock"], g["stockedTotal"], g["exchangedCount"])
        for g in gifts
        if g["id"].startswith("gift-")
    }
    assert seeded == {
        "gift-potion": (1000, 1000, 0),
        "gift-skin": (50, 50, 0),
        "gift-mount": (5, 5, 0),
    }


async def test_adding_a_gift_answers_201_and_publishes_its_stock(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
) -> None:
    response = await client.post("/gifts", json={"name": "  Golden sword ", "stock": 10})

    assert response.status_code == 201
    gift = response.json()
    assert set(gift) == {"id", "name", "stock", "stockedTotal", "exchangedCount", "createdAt"}
    assert (gift["name"], gift["stock"]) == ("Golden sword", 10)
    assert (gift["stockedTotal"], gift["exchangedCount"]) == (10, 0)
    assert response.headers["location"] == f"/gifts/{gift['id']}"
    [event] = await outbox_for(engine, gift["id"])
    assert event["topic"] == "gift.events"
    assert event["headers"]["ce_type"] == "questline.gift.stock-changed.v1"
    assert event["headers"]["ce_correlationid"] == gift["id"]
    assert event["data"] == {"giftId": gift["id"], "name": "Golden sword", "stock": 10}
    [entry] = await outbox_for(engine, gift["id"], CATALOGUED)
    assert (entry["topic"], entry["headers"]["ce_correlationid"]) == ("gift.events", gift["id"])
    assert entry["data"] == {
        "giftId": gift["id"],
        "name": "Golden sword",
        "stock": 10,
        "stockedTotal": 10,
    }


async def test_a_gift_is_read_by_its_id(client: httpx.AsyncClient) -> None:
    gift = await add_gift(client)

    response = await client.get(f"/gifts/{gift['id']}")

    assert response.status_code == 200
    assert response.json() == gift


async def test_an_unknown_gift_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/gifts/no-such-gift")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["title"] == "Gift not found"
    assert response.json()["type"] == "https://questline.dev/problems/gift-not-found"


async def test_restocking_adds_to_the_stock_and_publishes_the_new_stock(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
) -> None:
    gift = await add_gift(client, stock=10)

    response = await client.post(f"/gifts/{gift['id']}/stock", json={"quantity": 5})

    assert response.status_code == 200
    assert response.json() == {**gift, "stock": 15, "stockedTotal": 15}
    assert [e["data"]["stock"] for e in await outbox_for(engine, gift["id"])] == [10, 15]
    entries = await outbox_for(engine, gift["id"], CATALOGUED)
    assert [(e["data"]["stock"], e["data"]["stockedTotal"]) for e in entries] == [
        (10, 10),
        (15, 15),
    ]


async def test_restocking_an_unknown_gift_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.post("/gifts/no-such-gift/stock", json={"quantity": 1})

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_concurrent_restocks_all_count(client: httpx.AsyncClient) -> None:
    gift = await add_gift(client, stock=0)

    responses = await asyncio.gather(
        *(client.post(f"/gifts/{gift['id']}/stock", json={"quantity": 1}) for _ in range(10))
    )

    assert {r.status_code for r in responses} == {200}
    assert (await client.get(f"/gifts/{gift['id']}")).json()["stock"] == 10


@pytest.mark.parametrize(
    "body",
    [
        {"name": "", "stock": 1},
        {"name": "   ", "stock": 1},
        {"name": "x" * 201, "stock": 1},
        {"name": "Sword", "stock": -1},
        {"name": "Sword", "stock": 1_000_001},
        {"name": "Sword", "stock": "10"},
        {"name": "Sword", "stock": 1.5},
        {"name": "Sword", "stock": True},
        {"name": "Sword"},
        {"name": "Sword", "stock": 1, "price": 3},
    ],
    ids=[
        "empty-name",
        "blank-name",
        "long-name",
        "negative",
        "too-many",
        "string",
        "fraction",
        "boolean",
        "missing-stock",
        "extra-field",
    ],
)
async def test_an_invalid_new_gift_is_a_422_problem(
    client: httpx.AsyncClient,
    body: dict[str, Any],
) -> None:
    response = await client.post("/gifts", json=body)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON


@pytest.mark.parametrize("quantity", [0, -3, 1_000_001, "2"])
async def test_an_invalid_restock_is_a_422_problem_and_changes_nothing(
    client: httpx.AsyncClient,
    quantity: object,
) -> None:
    gift = await add_gift(client, stock=7)

    response = await client.post(f"/gifts/{gift['id']}/stock", json={"quantity": quantity})

    assert response.status_code == 422
    assert (await client.get(f"/gifts/{gift['id']}")).json()["stock"] == 7


async def test_a_body_that_is_not_json_is_a_400_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/gifts", content=b"{not json", headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_the_database_refuses_a_negative_stock(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
) -> None:
    gift = await add_gift(client, stock=0)

    with pytest.raises(IntegrityError, match="ck_gifts_stock_not_negative"):
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE gifts SET stock = stock - 1 WHERE id = :i"), {"i": gift["id"]}
            )


async def test_the_database_refuses_a_second_exchange_record_for_a_reward(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
) -> None:
    gift = await add_gift(client, stock=10)
    reward_id = f"reward-{uuid.uuid4()}"
    insert = text(
        "INSERT INTO exchanges (id, reward_id, customer_id, gift_id, stock_left, exchanged_at) "
        "VALUES (:x, :r, 'c-1', :g, 0, now())"
    )
    async with engine.begin() as conn:
        await conn.execute(insert, {"x": str(uuid.uuid4()), "r": reward_id, "g": gift["id"]})

    with pytest.raises(IntegrityError, match="reward_id"):
        async with engine.begin() as conn:
            await conn.execute(insert, {"x": str(uuid.uuid4()), "r": reward_id, "g": gift["id"]})
