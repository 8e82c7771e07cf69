"""POST /missions and the reads of achievements, on a real database: one achievement
and exactly one MissionAchieved outbox row per accepted report."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration


async def achieve(
    client: httpx.AsyncClient, customer: str = "alice", code: str = "first-win", **headers: str
) -> httpx.Response:
    return await client.post(
        "/missions", json={"customerId": customer, "missionCode": code}, headers=headers
    )


async def test_an_achievement_is_recorded_with_no_reward_yet(
    client: httpx.AsyncClient, db: Any
) -> None:
    response = await achieve(client)

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {
        "id",
        "customerId",
        "missionCode",
        "points",
        "status",
        "rewardId",
        "achievedAt",
    }
    assert (body["customerId"], body["missionCode"], body["points"]) == ("alice", "first-win", 50)
    assert (body["status"], body["rewardId"]) == ("ACHIEVED", None)
    assert datetime.fromisoformat(body["achievedAt"]).tzinfo is not None
    assert response.headers["location"] == f"/missions/{body['id']}"
    assert "idempotent-replayed" not in response.headers
    assert await db.achievements() == 1


async def test_an_achievement_writes_exactly_one_mission_achieved_to_the_outbox(
    client: httpx.AsyncClient, db: Any
) -> None:
    body = (await achieve(client)).json()

    [event] = await db.outbox()

    assert event["type"] == "questline.mission.achieved.v1"
    assert (event["key"], event["correlationid"]) == ("alice", body["id"])
    assert event["data"] == {
        "missionId": body["id"],
        "customerId": "alice",
        "missionCode": "first-win",
        "points": 50,
        "achievedAt": event["data"]["achievedAt"],
        "missionTitle": "Win your first match",
    }
    assert datetime.fromisoformat(event["data"]["achievedAt"]) == datetime.fromisoformat(
        body["achievedAt"]
    )


async def test_the_same_idempotency_key_twice_records_one_achievement(
    client: httpx.AsyncClient, db: Any
) -> None:
    first = await achieve(client, **{"Idempotency-Key": "game-42"})
    again = await achieve(client, **{"Idempotency-Key": "game-42"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await db.achievements() == 1
    assert len(await db.outbox()) == 1


async def test_twenty_concurrent_reports_with_one_key_record_one_achievement(
    client: httpx.AsyncClient, db: Any
) -> None:
    responses = await asyncio.gather(
        *(achieve(client, **{"Idempotency-Key": "burst-1"}) for _ in range(20))
    )

    assert [r.status_code for r in responses] == [201] * 20
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 19
    assert await db.achievements() == 1
    assert len(await db.outbox()) == 1


async def test_the_same_key_for_another_customer_is_refused_with_409(
    client: httpx.AsyncClient, db: Any
) -> None:
    await achieve(client, "alice", **{"Idempotency-Key": "game-42"})

    response = await achieve(client, "bob", **{"Idempotency-Key": "game-42"})

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Idempotency-Key reused"
    assert await db.achievements() == 1


async def test_reports_without_a_key_are_separate_achievements(
    client: httpx.AsyncClient, db: Any
) -> None:
    ids = {(await achieve(client, code="daily-login")).json()["id"] for _ in range(3)}

    assert len(ids) == 3
    assert await db.achievements() == 3
    assert len(await db.outbox()) == 3


async def test_an_empty_idempotency_key_is_refused_rather_than_shared(
    client: httpx.AsyncClient, db: Any
) -> None:
    first = await achieve(client, "alice", **{"Idempotency-Key": ""})
    second = await achieve(client, "bob", **{"Idempotency-Key": ""})

    assert (first.status_code, second.status_code) == (422, 422)
    assert first.headers["content-type"] == "application/problem+json"
    assert await db.achievements() == 0


async def test_an_achievement_is_read_back_by_its_id(client: httpx.AsyncClient) -> None:
    created = (await achieve(client)).json()

    response = await client.get(f"/missions/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created


async def test_a_customers_achievements_are_listed_newest_first_and_only_theirs(
    client: httpx.AsyncClient,
) -> None:
    older = (await achieve(client, "alice", "daily-login")).json()
    newer = (await achieve(client, "alice", "first-win")).json()
    await achieve(client, "bob", "first-win")

    response = await client.get("/missions", params={"customerId": "alice"})

    assert response.status_code == 200
    assert response.json() == {"customerId": "alice", "items": [newer, older]}


async def test_a_customer_with_no_achievements_gets_an_empty_list(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/missions", params={"customerId": "nobody"})

    assert response.status_code == 200
    assert response.json() == {"customerId": "nobody", "items": []}


async def test_the_service_is_ready_when_its_database_and_kafka_answer(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": True, "kafka": True}}
