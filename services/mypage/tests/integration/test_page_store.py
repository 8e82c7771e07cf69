"""The store folds a batch set-wise: one claim, one locking read and one save for all the
batch's customers, new or known; each saved page's version tells how often it changed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from questline.contracts import events as contract

pytestmark = pytest.mark.integration

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def achieved(customer: str, mission: str) -> contract.MissionAchieved:
    return contract.MissionAchieved(
        mission_id=mission,
        customer_id=customer,
        mission_code="first-win",
        points=50,
        achieved_at=T0,
    )


async def versions(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT customer_id, version FROM customer_pages"))
        return {r.customer_id: r.version for r in rows}


async def test_one_batch_for_new_and_known_customers_saves_each_page_once(
    client: httpx.AsyncClient, consume: Any, engine: AsyncEngine
) -> None:
    await consume(("e1", achieved("alice", "ach-1")))

    await consume(
        ("e2", achieved("bob", "ach-2")),
        ("e3", achieved("alice", "ach-3")),
        ("e4", achieved("carol", "ach-4")),
        ("e5", achieved("bob", "ach-5")),
    )

    assert await versions(engine) == {"alice": 2, "bob": 1, "carol": 1}
    for customer, missions in {
        "alice": ["ach-1", "ach-3"],
        "bob": ["ach-2", "ach-5"],
        "carol": ["ach-4"],
    }.items():
        page = (await client.get(f"/mypage/{customer}")).json()
        assert sorted(m["missionId"] for m in page["missions"]) == missions
        assert page["updatedAt"] == "2025-05-01T13:00:00Z"


async def entry_writes(engine: AsyncEngine, customer: str) -> dict[str, str]:
    """Each stored entry of the customer's page, by entry id, with the transaction that
    last wrote it."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT entry_id, xmin::text AS written FROM page_entries WHERE customer_id = :c"),
            {"c": customer},
        )
        return {r.entry_id: r.written for r in rows}


async def test_an_event_writes_the_entries_it_touches_and_leaves_the_rest_of_the_page(
    client: httpx.AsyncClient, consume: Any, engine: AsyncEngine
) -> None:
    await consume(*((f"e{i}", achieved("alice", f"ach-{i}")) for i in range(1, 4)))
    before = await entry_writes(engine, "alice")

    await consume(("e4", achieved("alice", "ach-4")))

    after = await entry_writes(engine, "alice")
    assert sorted(after) == ["ach-1", "ach-2", "ach-3", "ach-4"]
    assert {k: after[k] for k in before} == before
    assert await versions(engine) == {"alice": 2}
    page = (await client.get("/mypage/alice")).json()
    assert sorted(m["missionId"] for m in page["missions"]) == ["ach-1", "ach-2", "ach-3", "ach-4"]
