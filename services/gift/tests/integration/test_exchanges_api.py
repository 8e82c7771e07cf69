"""POST /exchanges over HTTP, on a real database: one gift item per reward, the first
exchange answered again for a retry, problem types wallet dispatches on, nothing
written on a refusal, and the records readable by operators."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from questline.devstack.testing import ISSUER
from questline.gift import bootstrap
from questline.gift.settings import GiftSettings

pytestmark = pytest.mark.integration

PROBLEM_JSON = "application/problem+json"
GIFT_NOT_FOUND = "https://questline.dev/problems/gift-not-found"
OUT_OF_STOCK = "https://questline.dev/problems/out-of-stock"
EXCHANGED = "questline.gift.exchanged.v1"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4()}"


async def add_gift(client: httpx.AsyncClient, stock: int = 10) -> dict[str, Any]:
    response = await client.post("/gifts", json={"name": "Golden sword", "stock": stock})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def exchange(
    client: httpx.AsyncClient, reward_id: str, gift_id: str, customer_id: str = "alice"
) -> httpx.Response:
    return await client.post(
        "/exchanges", json={"rewardId": reward_id, "customerId": customer_id, "giftId": gift_id}
    )


async def exchange_rows(engine: AsyncEngine, reward_id: str) -> list[Any]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT * FROM exchanges WHERE reward_id = :r"), {"r": reward_id}
        )
        return list(rows)


async def outbox_of_reward(engine: AsyncEngine, reward_id: str) -> list[dict[str, Any]]:
    """Outbox rows of the exchange chain: GiftExchanged is correlated by reward id."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT topic, key, headers, payload FROM outbox "
                "WHERE headers->>'ce_correlationid' = :r ORDER BY id"
            ),
            {"r": reward_id},
        )
        return [
            {"topic": r.topic, "key": r.key, "headers": r.headers, "data": json.loads(r.payload)}
            for r in rows
        ]


async def stock_events(engine: AsyncEngine, gift_id: str) -> list[int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT payload FROM outbox WHERE key = :g "
                "AND headers->>'ce_type' = 'questline.gift.stock-changed.v1' ORDER BY id"
            ),
            {"g": gift_id},
        )
        return [json.loads(r.payload)["stock"] for r in rows]


async def test_an_exchange_answers_201_with_the_record_and_takes_one_item(
    client: httpx.AsyncClient,
) -> None:
    gift = await add_gift(client, stock=10)
    reward_id = unique("reward")

    response = await exchange(client, reward_id, gift["id"])

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "rewardId", "customerId", "giftId", "stockLeft", "exchangedAt"}
    assert (body["rewardId"], body["customerId"], body["giftId"]) == (
        reward_id,
        "alice",
        gift["id"],
    )
    assert body["stockLeft"] == 9
    assert "Idempotent-Replayed" not in response.headers
    assert response.headers["location"] == f"/exchanges/{body['id']}"
    after = (await client.get(f"/gifts/{gift['id']}")).json()
    assert (after["stock"], after["stockedTotal"], after["exchangedCount"]) == (9, 10, 1)


async def test_an_exchange_publishes_gift_exchanged_and_the_new_stock_in_its_transaction(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
) -> None:
    gift = await add_gift(client, stock=10)
    reward_id = unique("reward")
    customer_id = unique("customer")

    body = (await exchange(client, reward_id, gift["id"], customer_id)).json()

    [event] = await outbox_of_reward(engine, reward_id)
    assert (event["topic"], event["key"]) == ("gift.events", customer_id)
    assert event["headers"]["ce_type"] == EXCHANGED
    data = event["data"]
    assert datetime.fromisoformat(data.pop("exchangedAt")) == datetime.fromisoformat(
        body["exchangedAt"]
    )
    assert data == {
        "exchangeId": body["id"],
        "rewardId": reward_id,
        "customerId": customer_id,
        "giftId": gift["id"],
        "stockLeft": 9,
    }
    assert await stock_events(engine, gift["id"]) == [10, 9]
    [row] = await exchange_rows(engine, reward_id)
    assert (row.id, row.stock_left) == (body["id"], 9)


async def test_the_same_reward_again_answers_200_with_the_first_exchange_and_changes_nothing(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
) -> None:
    gift = await add_gift(client, stock=10)
    reward_id = unique("reward")
    first = (await exchange(client, reward_id, gift["id"])).json()

    again = await exchange(client, reward_id, gift["id"])

    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first
    assert (await client.get(f"/gifts/{gift['id']}")).json()["stock"] == 9
    assert len(await exchange_rows(engine, reward_id)) == 1
    assert len(await outbox_of_reward(engine, reward_id)) == 1


async def test_the_same_reward_with_another_gift_gets_the_first_exchange_back(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
) -> None:
    sword = await add_gift(client, stock=10)
    shield = await add_gift(client, stock=10)
    reward_id = unique("reward")
    first = (await exchange(client, reward_id, sword["id"])).json()

    again = await exchange(client, reward_id, shield["id"])

    assert again.status_code == 200
    assert again.json() == first
    assert again.json()["giftId"] == sword["id"]
    assert (await client.get(f"/gifts/{shield['id']}")).json() == shield
    assert await stock_events(engine, shield["id"]) == [10]
    assert len(await outbox_of_reward(engine, reward_id)) == 1


async def test_an_exchanged_reward_is_answered_even_once_the_gift_is_gone_out_of_stock(
    client: httpx.AsyncClient,
) -> None:
    gift = await add_gift(client, stock=1)
    reward_id = unique("reward")
    first = (await exchange(client, reward_id, gift["id"])).json()

    again = await exchange(client, reward_id, gift["id"])

    assert (again.status_code, again.json()) == (200, first)


async def test_an_unknown_gift_is_a_404_gift_not_found_problem_and_writes_nothing(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
) -> None:
    reward_id = unique("reward")

    response = await exchange(client, reward_id, "no-such-gift")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert (problem["type"], problem["giftId"]) == (GIFT_NOT_FOUND, "no-such-gift")
    assert await exchange_rows(engine, reward_id) == []
    assert await outbox_of_reward(engine, reward_id) == []


async def test_a_gift_with_no_stock_is_a_409_out_of_stock_problem_and_writes_nothing(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
) -> None:
    gift = await add_gift(client, stock=0)
    reward_id = unique("reward")

    response = await exchange(client, reward_id, gift["id"])

    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert (problem["type"], problem["giftId"]) == (OUT_OF_STOCK, gift["id"])
    assert problem["title"] == "Out of stock"
    assert await exchange_rows(engine, reward_id) == []
    assert await outbox_of_reward(engine, reward_id) == []
    assert await stock_events(engine, gift["id"]) == [0]
    assert (await client.get(f"/gifts/{gift['id']}")).json() == gift


async def test_a_refused_reward_can_still_be_exchanged_for_a_gift_in_stock(
    client: httpx.AsyncClient,
) -> None:
    empty = await add_gift(client, stock=0)
    full = await add_gift(client, stock=1)
    reward_id = unique("reward")
    assert (await exchange(client, reward_id, empty["id"])).status_code == 409

    response = await exchange(client, reward_id, full["id"])

    assert response.status_code == 201
    assert response.json()["giftId"] == full["id"]


@pytest.mark.parametrize(
    "body",
    [
        {"customerId": "alice", "giftId": "g"},
        {"rewardId": "r", "giftId": "g"},
        {"rewardId": "r", "customerId": "alice"},
        {"rewardId": "", "customerId": "alice", "giftId": "g"},
        {"rewardId": "r", "customerId": "", "giftId": "g"},
        {"rewardId": "r", "customerId": "alice", "giftId": ""},
        {"rewardId": "r" * 65, "customerId": "alice", "giftId": "g"},
        {"rewardId": "r", "customerId": "a" * 65, "giftId": "g"},
        {"rewardId": "r", "customerId": "alice", "giftId": "g" * 65},
        {"rewardId": "r", "customerId": "al ice", "giftId": "g"},
        {"rewardId": 7, "customerId": "alice", "giftId": "g"},
        {"rewardId": "r", "customerId": "alice", "giftId": None},
        {"rewardId": "r", "customerId": "alice", "giftId": "g", "points": 5},
        [],
    ],
    ids=[
        "no-reward",
        "no-customer",
        "no-gift",
        "empty-reward",
        "empty-customer",
        "empty-gift",
        "long-reward",
        "long-customer",
        "long-gift",
        "customer-with-space",
        "number-reward",
        "null-gift",
        "extra-field",
        "not-an-object",
    ],
)
async def test_an_invalid_exchange_is_a_422_problem_and_writes_nothing(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    body: Any,
) -> None:
    async with engine.connect() as conn:
        before = (await conn.execute(text("SELECT count(*) FROM exchanges"))).scalar_one()

    response = await client.post("/exchanges", json=body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM exchanges"))).scalar_one() == before


async def test_an_exchange_body_that_is_not_json_is_a_400_problem(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/exchanges", content=b'{"rewardId": "r",', headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON


# --- reading exchanges ---------------------------------------------------------------


async def test_an_exchange_is_read_by_its_id(client: httpx.AsyncClient) -> None:
    gift = await add_gift(client)
    created = (await exchange(client, unique("reward"), gift["id"])).json()

    response = await client.get(f"/exchanges/{created['id']}")

    assert (response.status_code, response.json()) == (200, created)


async def test_an_unknown_exchange_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/exchanges/no-such-exchange")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["title"] == "Exchange not found"


async def test_a_customers_exchanges_are_listed_newest_first(client: httpx.AsyncClient) -> None:
    gift = await add_gift(client)
    customer_id = unique("customer")
    made = [(await exchange(client, unique("reward"), gift["id"], customer_id)).json()]
    made.append((await exchange(client, unique("reward"), gift["id"], customer_id)).json())
    made.append((await exchange(client, unique("reward"), gift["id"], customer_id)).json())
    await exchange(client, unique("reward"), gift["id"], unique("someone-else"))

    everything = await client.get("/exchanges", params={"customerId": customer_id})
    newest = await client.get("/exchanges", params={"customerId": customer_id, "limit": 2})

    assert everything.status_code == 200
    assert everything.json() == {"items": made[::-1]}
    assert newest.json() == {"items": made[:0:-1]}


async def test_a_rewards_exchange_is_found_by_the_reward(client: httpx.AsyncClient) -> None:
    gift = await add_gift(client)
    reward_id = unique("reward")
    created = (await exchange(client, reward_id, gift["id"])).json()

    found = await client.get("/exchanges", params={"rewardId": reward_id})
    missing = await client.get("/exchanges", params={"rewardId": unique("reward")})

    assert (found.status_code, found.json()) == (200, {"items": [created]})
    assert (missing.status_code, missing.json()) == (200, {"items": []})


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"limit": 5},
        {"customerId": ""},
        {"customerId": "alice", "limit": 0},
        {"customerId": "alice", "limit": 1001},
        {"rewardId": "r" * 65},
    ],
    ids=["no-filter", "only-limit", "empty-customer", "limit-0", "limit-1001", "long-reward"],
)
async def test_an_invalid_exchange_listing_is_a_422_problem(
    client: httpx.AsyncClient, params: dict[str, Any]
) -> None:
    response = await client.get("/exchanges", params=params)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_restocking_after_exchanges_keeps_the_catalogue_counts_in_balance(
    client: httpx.AsyncClient,
) -> None:
    gift = await add_gift(client, stock=2)
    for _ in range(2):
        await exchange(client, unique("reward"), gift["id"])

    restocked = (await client.post(f"/gifts/{gift['id']}/stock", json={"quantity": 5})).json()
    [listed] = [g for g in (await client.get("/gifts")).json() if g["id"] == gift["id"]]

    assert (restocked["stock"], restocked["stockedTotal"], restocked["exchangedCount"]) == (5, 7, 2)
    assert listed == restocked


async def test_an_exchange_is_served_beneath_the_framework_layers_on_the_hot_lane(
    database_url: str,
):
    settings = GiftSettings(database_url=database_url, db_pool_size=2, auth_jwks=ISSUER.jwks_json)
    service = await bootstrap.build(settings, set())
    transport = httpx.ASGITransport(app=service.app)
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gift", headers=ISSUER.headers()
        ) as client:
            gift = await add_gift(client)  # through the framework, which then goes away

            async def refuse(scope, receive, send):  # type: ignore[no-untyped-def]
                raise AssertionError(f"{scope['path']} went through the framework")

            service.app.middleware_stack = refuse
            response = await exchange(client, unique("reward"), gift["id"])
            assert response.status_code == 201, response.text
            assert response.headers["location"].startswith("/exchanges/")
    finally:
        assert service.close is not None
        await service.close()
