"""Concurrent POST /exchanges for one gift share transactions (group commit), and yet
each request keeps its own answer: a winner gets its exchange, a loser its
out-of-stock, a retry the first exchange, and a request that breaks the shared
transaction fails alone while its neighbours commit."""

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

from .test_exchange_concurrency import add_gift, exchange

pytestmark = pytest.mark.integration

OUT_OF_STOCK = "https://questline.dev/problems/out-of-stock"
EXCHANGED = "questline.gift.exchanged.v1"


def rewards(n: int) -> list[str]:
    return [f"reward-{uuid.uuid4()}" for _ in range(n)]


async def query(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list(await conn.execute(text(sql), params))


async def test_many_concurrent_exchanges_for_few_units_take_every_unit_exactly_once(
    crowded_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    stock, racers = 30, 200
    gift_id = await add_gift(crowded_client, stock)

    responses = await asyncio.gather(
        *(exchange(crowded_client, r, gift_id) for r in rewards(racers))
    )

    assert Counter(r.status_code for r in responses) == {201: stock, 409: racers - stock}
    refused = [r.json() for r in responses if r.status_code == 409]
    assert {(p["type"], p["giftId"]) for p in refused} == {(OUT_OF_STOCK, gift_id)}
    gift = (await crowded_client.get(f"/gifts/{gift_id}")).json()
    assert (gift["stock"], gift["stockedTotal"], gift["exchangedCount"]) == (0, stock, stock)
    rows = await query(
        engine,
        "SELECT id, stock_left, xmin::text AS tx FROM exchanges WHERE gift_id = :g",
        g=gift_id,
    )
    # The stock never went below zero and no item was given twice: 29, 28, ... 0.
    assert sorted(r.stock_left for r in rows) == list(range(stock))
    assert {r.id for r in rows} == {r.json()["id"] for r in responses if r.status_code == 201}
    # Grouped: fewer transactions than exchanges wrote the rows.
    assert len({r.tx for r in rows}) < stock
    events = await query(
        engine,
        "SELECT payload FROM outbox WHERE headers->>'ce_type' = :t AND key = 'alice' "
        "AND convert_from(payload, 'UTF8')::jsonb->>'giftId' = :g",
        t=EXCHANGED,
        g=gift_id,
    )
    assert len(events) == stock


async def test_each_grouped_request_has_its_events_caused_by_itself(
    crowded_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    gift_id = await add_gift(crowded_client, 10)
    sent = {r: f"req-{uuid.uuid4().hex}" for r in rewards(10)}

    responses = await asyncio.gather(
        *(
            crowded_client.post(
                "/exchanges",
                json={"rewardId": r, "customerId": "alice", "giftId": gift_id},
                headers={"x-request-id": request_id},
            )
            for r, request_id in sent.items()
        )
    )

    assert {r.status_code for r in responses} == {201}
    rows = await query(
        engine,
        "SELECT headers->>'ce_correlationid' AS reward, headers->>'ce_causationid' AS cause "
        "FROM outbox WHERE headers->>'ce_type' = :t AND headers->>'ce_correlationid' "
        "= ANY(:rewards)",
        t=EXCHANGED,
        rewards=list(sent),
    )
    assert {r.reward: r.cause for r in rows} == sent


async def test_retries_and_duplicates_in_a_crowd_get_the_first_exchange_back(
    crowded_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    gift_id = await add_gift(crowded_client, 4)
    earlier = rewards(1)[0]
    first = (await exchange(crowded_client, earlier, gift_id)).json()
    twice, *fresh = rewards(3)

    responses = await asyncio.gather(
        *(exchange(crowded_client, r, gift_id) for r in [earlier, twice, *fresh, twice])
    )

    by_reward: dict[str, list[httpx.Response]] = {}
    for r in responses:
        by_reward.setdefault(r.json()["rewardId"], []).append(r)
    assert [(r.status_code, r.json()) for r in by_reward[earlier]] == [(200, first)]
    assert sorted(r.status_code for r in by_reward[twice]) == [200, 201]
    assert len({r.json()["id"] for r in by_reward[twice]}) == 1
    assert all(by_reward[r][0].status_code == 201 for r in fresh)
    gift = (await crowded_client.get(f"/gifts/{gift_id}")).json()
    assert (gift["stock"], gift["exchangedCount"]) == (0, 4)


async def test_restocks_racing_exchanges_keep_every_item_accounted_for(
    crowded_client: httpx.AsyncClient,
) -> None:
    initial, restocks, racers = 10, [4] * 5, 100
    gift_id = await add_gift(crowded_client, initial)

    responses = await asyncio.gather(
        *(exchange(crowded_client, r, gift_id) for r in rewards(racers)),
        *(crowded_client.post(f"/gifts/{gift_id}/stock", json={"quantity": q}) for q in restocks),
    )

    exchanged = sum(r.status_code == 201 for r in responses[:racers])
    assert {r.status_code for r in responses[:racers]} <= {201, 409}
    assert {r.status_code for r in responses[racers:]} == {200}
    gift = (await crowded_client.get(f"/gifts/{gift_id}")).json()
    assert gift["stock"] >= 0
    assert gift["stockedTotal"] == initial + sum(restocks) == gift["stock"] + exchanged
    assert gift["exchangedCount"] == exchanged


@pytest.fixture
async def breaker(engine: AsyncEngine) -> AsyncIterator[str]:
    """A reward id the database refuses to record (as it would a value it cannot
    store), whatever batch it arrives in; the trigger goes with the test."""
    reward_id = f"breaker-{uuid.uuid4()}"
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE FUNCTION refuse_breaker() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN IF NEW.reward_id = '{reward_id}' THEN "
                "RAISE EXCEPTION 'refused' USING ERRCODE = '22023'; END IF; "
                "RETURN NEW; END $$"
            )
        )
        await conn.execute(
            text(
                "CREATE TRIGGER refuse_breaker BEFORE INSERT ON exchanges "
                "FOR EACH ROW EXECUTE FUNCTION refuse_breaker()"
            )
        )
    yield reward_id
    async with engine.begin() as conn:
        await conn.execute(text("DROP TRIGGER refuse_breaker ON exchanges"))
        await conn.execute(text("DROP FUNCTION refuse_breaker()"))


async def test_a_request_that_breaks_the_shared_transaction_fails_alone(
    server_client: httpx.AsyncClient, engine: AsyncEngine, breaker: str
) -> None:
    gift_id = await add_gift(server_client, 20)
    neighbours = rewards(10)

    responses = await asyncio.gather(
        *(exchange(server_client, r, gift_id) for r in [*neighbours[:5], breaker, *neighbours[5:]])
    )

    statuses = {
        r: s.status_code
        for r, s in zip([*neighbours[:5], breaker, *neighbours[5:]], responses, strict=True)
    }
    assert statuses == {**dict.fromkeys(neighbours, 201), breaker: 422}
    rows = await query(engine, "SELECT reward_id FROM exchanges WHERE gift_id = :g", g=gift_id)
    assert {r.reward_id for r in rows} == set(neighbours)
    gift = (await server_client.get(f"/gifts/{gift_id}")).json()
    assert (gift["stock"], gift["exchangedCount"]) == (10, 10)
