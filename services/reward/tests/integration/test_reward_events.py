"""The reward consumer's batch step without Kafka: contract events in, rewards and
outbox rows out, inside one transaction the inbox would own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from questline.contracts import events as contract
from questline.reward.adapters.inbound import events
from questline.reward.adapters.outbound import tables
from questline.reward.adapters.outbound.uow import SqlRewardUnitOfWork
from questline.reward.domain.errors import RewardNotFound
from questline.service_kit.envelope import IncomingEvent
from questline.service_kit.outbox import OutboxWriter

pytestmark = pytest.mark.integration

AT = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def incoming(event_id: str, data: contract.EventData) -> IncomingEvent:
    return IncomingEvent(
        id=event_id,
        type=data.TYPE,
        source="/test",
        time=AT,
        correlation_id=data.correlation_id(),
        causation_id=None,
        data=data,
        topic=data.TOPIC,
        partition=0,
        offset=0,
    )


def achieved(mission_id: str, points: int = 50) -> contract.MissionAchieved:
    return contract.MissionAchieved(
        mission_id=mission_id,
        customer_id="alice",
        mission_code="first-win",
        points=points,
        achieved_at=AT,
    )


@pytest.fixture
def apply(clock: Any, new_id: Any) -> Any:
    outbox = OutboxWriter(tables.outbox, "/test")

    def uow_on(conn: AsyncConnection, causation_id: str) -> SqlRewardUnitOfWork:
        return SqlRewardUnitOfWork(outbox=outbox, connection=conn, causation_id=causation_id)

    return events.make_apply(uow_on, clock, new_id)


async def test_a_batch_rewards_each_achievement_once_even_when_republished(
    apply: Any, engine: AsyncEngine, db: Any
) -> None:
    batch = [
        incoming("ev-1", achieved("ach-1")),
        incoming("ev-2", achieved("ach-2", points=10)),
        incoming("ev-3", achieved("ach-1")),  # the relay re-published it with a new id
    ]

    async with engine.begin() as conn:
        await apply(conn, batch)

    assert {r["mission_id"]: r["points"] for r in await db.rewards()} == {"ach-1": 50, "ach-2": 10}
    issued = await db.outbox()
    assert [(e["correlationid"], e["causationid"]) for e in issued] == [
        ("ach-1", "ev-1"),
        ("ach-2", "ev-2"),
    ]


async def test_the_wallets_exchange_marks_the_reward_exchanged(
    apply: Any, engine: AsyncEngine, db: Any
) -> None:
    async with engine.begin() as conn:
        await apply(conn, [incoming("ev-1", achieved("ach-1"))])
    [reward] = await db.rewards()
    exchanged = contract.RewardExchanged(
        customer_id="alice",
        reward_id=reward["id"],
        gift_id="gift-potion",
        exchange_id="ex-1",
        exchanged_at=AT,
    )

    async with engine.begin() as conn:
        await apply(conn, [incoming("ev-2", exchanged)])

    [reward] = await db.rewards()
    assert (reward["status"], reward["gift_id"]) == ("EXCHANGED", "gift-potion")
    assert [e["type"] for e in await db.outbox()] == [
        "questline.reward.issued.v1",
        "questline.reward.exchanged.v1",
    ]


async def test_a_failing_event_rolls_back_the_whole_batch(
    apply: Any, engine: AsyncEngine, db: Any
) -> None:
    unknown = contract.RewardExchanged(
        customer_id="alice",
        reward_id="no-such-reward",
        gift_id="gift-potion",
        exchange_id="ex-1",
        exchanged_at=AT,
    )

    with pytest.raises(RewardNotFound):
        async with engine.begin() as conn:
            await apply(conn, [incoming("ev-1", achieved("ach-1")), incoming("ev-2", unknown)])

    assert await db.rewards() == []
    assert await db.outbox() == []
