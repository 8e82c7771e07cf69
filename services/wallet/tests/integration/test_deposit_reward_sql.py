"""Depositing through the real SQL unit of work and the consumer's batch step: the reward
id keys the entry, so however often RewardIssued arrives, the wallet holds it once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from questline.contracts import events as contract
from questline.service_kit.db import Database
from questline.service_kit.envelope import IncomingEvent
from questline.wallet.adapters.inbound import events
from questline.wallet.application.deposit_reward import DepositReward, deposit_reward

pytestmark = pytest.mark.integration

ISSUED = DepositReward("rw-1", "alice", "ach-1", 50)


async def test_a_deposit_writes_one_entry_and_one_reward_deposited(
    owned_uow: Any, clock: Any, db: Any
) -> None:
    assert await deposit_reward(ISSUED, owned_uow(), clock) is True

    [entry] = await db.entries()
    assert {
        k: entry[k] for k in ("reward_id", "customer_id", "mission_id", "points", "status")
    } == {
        "reward_id": "rw-1",
        "customer_id": "alice",
        "mission_id": "ach-1",
        "points": 50,
        "status": "AVAILABLE",
    }
    [event] = await db.outbox()
    assert (event["type"], event["key"], event["correlationid"]) == (
        "questline.wallet.reward-deposited.v1",
        "alice",
        "ach-1",
    )
    assert event["data"] == {
        "customerId": "alice",
        "rewardId": "rw-1",
        "missionId": "ach-1",
        "points": 50,
        "depositedAt": "2025-05-01T12:00:00Z",
    }


async def test_depositing_twice_deposits_once(owned_uow: Any, clock: Any, db: Any) -> None:
    first = await deposit_reward(ISSUED, owned_uow(), clock)
    second = await deposit_reward(ISSUED, owned_uow(), clock)

    assert (first, second) == (True, False)
    assert len(await db.entries()) == 1
    assert len(await db.outbox()) == 1


async def test_ten_concurrent_deposits_of_one_reward_deposit_it_once(
    owned_uow: Any, clock: Any, db: Any
) -> None:
    results = await asyncio.gather(*(deposit_reward(ISSUED, owned_uow(), clock) for _ in range(10)))

    assert sorted(results) == [False] * 9 + [True]
    assert len(await db.entries()) == 1
    assert len(await db.outbox()) == 1


def reward_issued(event_id: str, reward_id: str) -> IncomingEvent:
    data = contract.RewardIssued(
        reward_id=reward_id,
        mission_id=f"ach-{reward_id}",
        customer_id="alice",
        points=50,
        issued_at=datetime(2025, 5, 1, 12, 0, tzinfo=UTC),
    )
    return IncomingEvent(
        id=event_id,
        type=data.TYPE,
        source="/questline/reward",
        time=None,
        correlation_id=data.mission_id,
        causation_id=None,
        data=data,
        topic=data.TOPIC,
        partition=0,
        offset=0,
    )


async def test_a_batch_with_a_republished_reward_issued_deposits_each_reward_once(
    database: Database, uow_on: Any, clock: Any, db: Any
) -> None:
    deposit = events.handlers(uow_on, clock)[contract.RewardIssued]
    batch = [
        reward_issued("ev-1", "rw-1"),
        reward_issued("ev-2", "rw-2"),
        reward_issued("ev-3", "rw-1"),
    ]

    async with database.transaction() as conn:
        await deposit(conn, batch)

    assert [e["reward_id"] for e in await db.entries()] == ["rw-1", "rw-2"]
    assert [(e["data"]["rewardId"], e["causationid"]) for e in await db.outbox()] == [
        ("rw-1", "ev-1"),
        ("rw-2", "ev-2"),
    ]
