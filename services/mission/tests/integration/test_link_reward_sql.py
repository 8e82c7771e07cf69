"""The consumer side without Kafka: RewardIssued → link_reward, through the real SQL unit
of work, alone (owned transaction) or as a step of an inbox batch (bound transaction)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from questline.contracts import events as contract
from questline.mission.adapters.inbound import events
from questline.mission.adapters.outbound import tables
from questline.mission.adapters.outbound.uow import SqlMissionUnitOfWork
from questline.mission.application.link_reward import LinkReward, link_reward
from questline.mission.domain.errors import AchievementNotFound, RewardAlreadyLinked
from questline.service_kit.envelope import IncomingEvent
from questline.service_kit.outbox import OutboxWriter

pytestmark = pytest.mark.integration

OUTBOX = OutboxWriter(tables.outbox, "/test")


def owned(engine: AsyncEngine) -> SqlMissionUnitOfWork:
    return SqlMissionUnitOfWork(outbox=OUTBOX, engine=engine)


@pytest.fixture
async def achievement(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post(
        "/missions", json={"customerId": "alice", "missionCode": "first-win"}
    )
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


async def linked_events(db: Any) -> list[dict[str, Any]]:
    return [e for e in await db.outbox() if e["type"] == "questline.mission.reward-linked.v1"]


async def test_linking_a_reward_shows_on_the_achievement_and_writes_reward_linked(
    client: httpx.AsyncClient, engine: AsyncEngine, db: Any, achievement: dict[str, Any]
) -> None:
    await link_reward(LinkReward(achievement["id"], "rw-1"), owned(engine))

    read = (await client.get(f"/missions/{achievement['id']}")).json()
    assert (read["rewardId"], read["status"]) == ("rw-1", "REWARDED")
    [event] = await linked_events(db)
    assert (event["key"], event["correlationid"]) == ("alice", achievement["id"])
    assert event["data"] == {
        "missionId": achievement["id"],
        "customerId": "alice",
        "rewardId": "rw-1",
    }


async def test_linking_the_same_reward_twice_writes_reward_linked_once(
    engine: AsyncEngine, db: Any, achievement: dict[str, Any]
) -> None:
    for _ in range(2):
        await link_reward(LinkReward(achievement["id"], "rw-1"), owned(engine))

    assert len(await linked_events(db)) == 1


async def test_a_different_second_reward_is_refused_and_rolled_back(
    client: httpx.AsyncClient, engine: AsyncEngine, db: Any, achievement: dict[str, Any]
) -> None:
    await link_reward(LinkReward(achievement["id"], "rw-1"), owned(engine))

    with pytest.raises(RewardAlreadyLinked):
        await link_reward(LinkReward(achievement["id"], "rw-2"), owned(engine))

    assert (await client.get(f"/missions/{achievement['id']}")).json()["rewardId"] == "rw-1"
    assert len(await linked_events(db)) == 1


async def test_a_reward_for_an_unknown_achievement_writes_nothing(
    engine: AsyncEngine, db: Any
) -> None:
    with pytest.raises(AchievementNotFound):
        await link_reward(LinkReward("no-such-achievement", "rw-1"), owned(engine))

    assert await db.outbox() == []


def reward_issued(event_id: str, mission_id: str, reward_id: str) -> IncomingEvent:
    data = contract.RewardIssued(
        reward_id=reward_id,
        mission_id=mission_id,
        customer_id="alice",
        points=50,
        issued_at=datetime(2025, 5, 1, 12, 0, tzinfo=UTC),
    )
    return IncomingEvent(
        id=event_id,
        type=data.TYPE,
        source="/questline/reward",
        time=None,
        correlation_id=mission_id,
        causation_id=None,
        data=data,
        topic=data.TOPIC,
        partition=0,
        offset=0,
    )


async def test_an_inbox_batch_links_the_reward_with_the_event_as_causation(
    client: httpx.AsyncClient, engine: AsyncEngine, achievement: dict[str, Any]
) -> None:
    def uow_on(conn: AsyncConnection, causation_id: str) -> SqlMissionUnitOfWork:
        return SqlMissionUnitOfWork(outbox=OUTBOX, connection=conn, causation_id=causation_id)

    apply = events.make_apply(uow_on)
    batch = [reward_issued(f"ev-{n}", achievement["id"], "rw-1") for n in (1, 2)]  # a re-publish

    async with engine.begin() as conn:
        await apply(conn, batch)

    assert (await client.get(f"/missions/{achievement['id']}")).json()["rewardId"] == "rw-1"
    async with engine.connect() as conn:
        rows = (
            (
                await conn.exec_driver_sql(
                    "SELECT headers->>'ce_causationid' FROM outbox "
                    "WHERE headers->>'ce_type' = 'questline.mission.reward-linked.v1'"
                )
            )
            .scalars()
            .all()
        )
    assert rows == ["ev-1"]
