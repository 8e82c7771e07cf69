"""The reward consumer's batch step without Kafka: contract events in, rewards and
outbox rows out, inside one transaction the inbox would own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from questline.contracts import events as contract
from questline.reward.adapters.inbound import events
from questline.reward.adapters.outbound.uow import SqlRewardUnitOfWork
from questline.reward.domain.errors import RewardNotFound
from questline.service_kit.db import Connection, Database
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


def exchanged(reward_id: str, gift_id: str = "gift-potion") -> contract.RewardExchanged:
    return contract.RewardExchanged(
        customer_id="alice",
        reward_id=reward_id,
        gift_id=gift_id,
        exchange_id="ex-1",
        exchanged_at=AT,
    )


@pytest.fixture
def apply(database: Database, clock: Any, new_id: Any) -> Any:
    """One batch as the inbox applies it: in one transaction, each handler of the table
    in the table's order with the batch's events of its type."""
    outbox = OutboxWriter("/test")

    def uow_on(conn: Connection, causation_id: str) -> SqlRewardUnitOfWork:
        return SqlRewardUnitOfWork(outbox=outbox, connection=conn, causation_id=causation_id)

    table = events.handlers(uow_on, clock, new_id)

    async def apply(batch: list[IncomingEvent]) -> None:
        async with database.transaction() as conn:
            for model, handler in table.items():
                mine = [e for e in batch if isinstance(e.data, model)]
                if mine:
                    await handler(conn, mine)

    return apply


async def test_a_batch_rewards_each_achievement_once_even_when_republished(
    apply: Any, db: Any
) -> None:
    batch = [
        incoming("ev-1", achieved("ach-1")),
        incoming("ev-2", achieved("ach-2", points=10)),
        incoming("ev-3", achieved("ach-1")),  # the relay re-published it with a new id
    ]

    await apply(batch)

    assert {r["mission_id"]: r["points"] for r in await db.rewards()} == {"ach-1": 50, "ach-2": 10}
    issued = await db.outbox()
    assert [(e["correlationid"], e["causationid"]) for e in issued] == [
        ("ach-1", "ev-1"),
        ("ach-2", "ev-2"),
    ]


async def test_the_wallets_exchange_marks_the_reward_exchanged(apply: Any, db: Any) -> None:
    await apply([incoming("ev-1", achieved("ach-1"))])
    [reward] = await db.rewards()

    await apply([incoming("ev-2", exchanged(reward["id"]))])

    [reward] = await db.rewards()
    assert (reward["status"], reward["gift_id"]) == ("EXCHANGED", "gift-potion")
    assert [e["type"] for e in await db.outbox()] == [
        "questline.reward.issued.v1",
        "questline.reward.exchanged.v1",
    ]


async def test_a_batch_issues_its_rewards_before_it_marks_them_exchanged(
    apply: Any, db: Any
) -> None:
    # Arrival order is no guide across topics: the table declares the cause first.
    await apply([incoming("ev-2", exchanged("rw-1")), incoming("ev-1", achieved("ach-1"))])

    [reward] = await db.rewards()
    assert (reward["id"], reward["status"], reward["gift_id"]) == (
        "rw-1",
        "EXCHANGED",
        "gift-potion",
    )
    assert [(e["type"], e["causationid"]) for e in await db.outbox()] == [
        ("questline.reward.issued.v1", "ev-1"),
        ("questline.reward.exchanged.v1", "ev-2"),
    ]


async def test_a_failing_event_rolls_back_the_whole_batch(apply: Any, db: Any) -> None:
    unknown = exchanged("no-such-reward")

    with pytest.raises(RewardNotFound):
        await apply([incoming("ev-1", achieved("ach-1")), incoming("ev-2", unknown)])

    assert await db.rewards() == []
    assert await db.outbox() == []


async def test_a_batch_marks_several_rewards_exchanged_and_a_redelivered_one_changes_nothing(
    apply: Any, db: Any
) -> None:
    await apply([incoming(f"ev-{n}", achieved(f"ach-{n}")) for n in (1, 2, 3)])
    await apply([incoming("ev-4", exchanged("rw-1"))])

    await apply(
        [
            incoming("ev-5", exchanged("rw-3", "gift-mount")),
            incoming("ev-6", exchanged("rw-1")),  # the wallet re-published it with a new id
            incoming("ev-7", exchanged("rw-2")),
        ]
    )

    assert [(r["id"], r["status"], r["gift_id"]) for r in await db.rewards()] == [
        ("rw-1", "EXCHANGED", "gift-potion"),
        ("rw-2", "EXCHANGED", "gift-potion"),
        ("rw-3", "EXCHANGED", "gift-mount"),
    ]
    marked = [e for e in await db.outbox() if e["type"] == "questline.reward.exchanged.v1"]
    assert [(e["causationid"], e["data"]["rewardId"], e["data"]["giftId"]) for e in marked] == [
        ("ev-4", "rw-1", "gift-potion"),
        ("ev-5", "rw-3", "gift-mount"),
        ("ev-7", "rw-2", "gift-potion"),
    ]


async def test_an_unknown_reward_in_a_batch_of_exchanges_rolls_back_the_others(
    apply: Any, db: Any
) -> None:
    await apply([incoming("ev-1", achieved("ach-1"))])

    with pytest.raises(RewardNotFound):
        await apply([incoming("ev-2", exchanged("rw-1")), incoming("ev-3", exchanged("nope"))])

    assert [r["status"] for r in await db.rewards()] == ["ISSUED"]
    assert [e["type"] for e in await db.outbox()] == ["questline.reward.issued.v1"]
