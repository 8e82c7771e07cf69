"""The consumer side without Kafka: RewardIssued → link_reward, through the real SQL unit
of work, alone (owned transaction) or as a step of an inbox batch (bound transaction)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from questline.contracts import events as contract
from questline.mission.adapters.inbound import events
from questline.mission.adapters.outbound.uow import SqlMissionUnitOfWork
from questline.mission.application.link_reward import LinkReward, link_reward
from questline.mission.domain.errors import AchievementNotFound, RewardAlreadyLinked
from questline.service_kit.db import Connection, Database
from questline.service_kit.envelope import IncomingEvent
from questline.service_kit.outbox import OutboxWriter

pytestmark = pytest.mark.integration

OUTBOX = OutboxWriter("/test")


def owned(database: Database) -> SqlMissionUnitOfWork:
    return SqlMissionUnitOfWork(outbox=OUTBOX, database=database)


def bound(conn: Connection, causation_id: str) -> SqlMissionUnitOfWork:
    return SqlMissionUnitOfWork(outbox=OUTBOX, connection=conn, causation_id=causation_id)


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
    client: httpx.AsyncClient, database: Database, db: Any, achievement: dict[str, Any]
) -> None:
    await link_reward(LinkReward(achievement["id"], "rw-1"), owned(database))

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
    database: Database, db: Any, achievement: dict[str, Any]
) -> None:
    for _ in range(2):
        await link_reward(LinkReward(achievement["id"], "rw-1"), owned(database))

    assert len(await linked_events(db)) == 1


async def test_a_different_second_reward_is_refused_and_rolled_back(
    client: httpx.AsyncClient, database: Database, db: Any, achievement: dict[str, Any]
) -> None:
    await link_reward(LinkReward(achievement["id"], "rw-1"), owned(database))

    with pytest.raises(RewardAlreadyLinked):
        await link_reward(LinkReward(achievement["id"], "rw-2"), owned(database))

    assert (await client.get(f"/missions/{achievement['id']}")).json()["rewardId"] == "rw-1"
    assert len(await linked_events(db)) == 1


async def test_a_reward_for_an_unknown_achievement_writes_nothing(
    database: Database, db: Any
) -> None:
    with pytest.raises(AchievementNotFound):
        await link_reward(LinkReward("no-such-achievement", "rw-1"), owned(database))

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
    client: httpx.AsyncClient,
    database: Database,
    engine: AsyncEngine,
    achievement: dict[str, Any],
) -> None:
    on_reward_issued = events.handlers(bound)[contract.RewardIssued]
    batch = [reward_issued(f"ev-{n}", achievement["id"], "rw-1") for n in (1, 2)]  # a re-publish

    async with database.transaction() as conn:
        await on_reward_issued(conn, batch)

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


async def test_an_inbox_batch_links_each_reward_to_its_own_achievement(
    client: httpx.AsyncClient, database: Database, db: Any
) -> None:
    created = [
        (await client.post("/missions", json={"customerId": "alice", "missionCode": code})).json()
        for code in ("first-win", "daily-login", "event-boss")
    ]
    on_reward_issued = events.handlers(bound)[contract.RewardIssued]
    batch = [reward_issued(f"ev-{n}", a["id"], f"rw-{n}") for n, a in enumerate(created)]

    async with database.transaction() as conn:
        await on_reward_issued(conn, batch)

    for n, a in enumerate(created):
        assert (await client.get(f"/missions/{a['id']}")).json()["rewardId"] == f"rw-{n}"
    linked = {(e["data"]["missionId"], e["data"]["rewardId"]) for e in await linked_events(db)}
    assert linked == {(a["id"], f"rw-{n}") for n, a in enumerate(created)}
