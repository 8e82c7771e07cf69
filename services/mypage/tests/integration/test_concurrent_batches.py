"""Two consumer replicas may hold different topics' partitions of one customer (the
assignment is cooperative-sticky over four topics), so two batches for one customer
can be in flight at once. Neither may erase what the other folded in."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from questline.contracts import events as contract
from questline.devstack.testing import eventually
from questline.service_kit.db import Database

pytestmark = pytest.mark.integration

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
ACHIEVED = contract.MissionAchieved(
    mission_id="ach-1", customer_id="alice", mission_code="first-win", points=50, achieved_at=T0
)
DEPOSITED = contract.RewardDeposited(
    customer_id="alice", reward_id="rw-1", mission_id="ach-1", points=50, deposited_at=T0
)
ACHIEVED_2 = contract.MissionAchieved(
    mission_id="ach-2", customer_id="alice", mission_code="daily-login", points=10, achieved_at=T0
)


async def a_session_waits_for_a_lock(database: Database) -> bool:
    async with database.connection() as conn:
        return bool(await conn.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted"))


async def two_overlapping_batches(
    database: Database, apply: Any, first: list[Any], second: list[Any]
) -> None:
    """`first` is applied and left uncommitted; `second` starts, must wait; then both commit."""

    async def second_batch() -> None:
        async with database.transaction() as two:
            await apply(two, second)

    async with database.transaction() as one:
        await apply(one, first)
        waiting = asyncio.create_task(second_batch())
        await eventually(lambda: a_session_waits_for_a_lock(database), timeout=10)
    await waiting


async def test_overlapping_batches_for_a_known_customer_both_stay_on_the_page(
    client: httpx.AsyncClient, database: Database, apply: Any, as_incoming: Any
) -> None:
    async with database.transaction() as conn:
        await apply(conn, [as_incoming("e0", ACHIEVED_2)])

    await two_overlapping_batches(
        database, apply, [as_incoming("e1", ACHIEVED)], [as_incoming("e2", DEPOSITED)]
    )

    page = (await client.get("/mypage/alice")).json()
    assert sorted(m["missionId"] for m in page["missions"]) == ["ach-1", "ach-2"]
    assert [w["rewardId"] for w in page["wallet"]] == ["rw-1"]


async def test_overlapping_first_batches_for_a_new_customer_both_stay_on_the_page(
    client: httpx.AsyncClient, database: Database, apply: Any, as_incoming: Any
) -> None:
    await two_overlapping_batches(
        database, apply, [as_incoming("e1", ACHIEVED)], [as_incoming("e2", DEPOSITED)]
    )

    page = (await client.get("/mypage/alice")).json()
    assert [m["missionId"] for m in page["missions"]] == ["ach-1"]
    assert [w["rewardId"] for w in page["wallet"]] == ["rw-1"]
