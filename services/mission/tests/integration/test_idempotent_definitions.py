"""Defining a mission with an Idempotency-Key, over HTTP on a real database: a retry gets
the first answer (201, not 409 for the code it defined itself) and defines nothing
more, even when the retries race; the same key with another definition is a 409
problem; without a key, a code is still defined only once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from questline.mission.adapters.outbound.uow import SqlMissionUnitOfWork
from questline.mission.application.catalogue import DefineMission, MissionDefined, define_mission
from questline.mission.domain.mission import MissionDefinition
from questline.service_kit.db import Connection, Database
from questline.service_kit.idempotency import KEY_REUSED
from questline.service_kit.outbox import OutboxWriter

pytestmark = pytest.mark.integration

BOSS = {"code": "spring-boss", "title": "Beat the spring boss", "points": 250}
RACERS = 8


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def definitions(db: Any, code: str) -> int:
    return int(await db.scalar("SELECT count(*) FROM mission_definitions WHERE code = :c", c=code))


async def test_a_mission_posted_twice_with_one_key_is_defined_once_with_one_answer(
    client: httpx.AsyncClient, db: Any
) -> None:
    first = await client.post("/mission-definitions", json=BOSS, headers=keyed("def-1"))
    again = await client.post("/mission-definitions", json=BOSS, headers=keyed("def-1"))

    assert (first.status_code, again.status_code) == (201, 201)
    assert (
        again.json() == first.json() == {**BOSS, "active": True, "startsAt": None, "endsAt": None}
    )
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert await definitions(db, "spring-boss") == 1


async def test_a_replay_answers_what_was_defined_even_after_a_revision(
    client: httpx.AsyncClient,
) -> None:
    first = await client.post("/mission-definitions", json=BOSS, headers=keyed("def-1"))
    await client.patch("/mission-definitions/spring-boss", json={"points": 5})

    again = await client.post("/mission-definitions", json=BOSS, headers=keyed("def-1"))

    assert (again.status_code, again.json()) == (201, first.json())
    assert (await client.get("/mission-definitions/spring-boss")).json()["points"] == 5


async def test_the_same_key_with_another_definition_is_refused_and_defines_nothing(
    client: httpx.AsyncClient, db: Any
) -> None:
    await client.post("/mission-definitions", json=BOSS, headers=keyed("def-1"))
    other = {**BOSS, "code": "summer-boss"}

    response = await client.post("/mission-definitions", json=other, headers=keyed("def-1"))

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert (response.json()["type"], response.json()["title"]) == (
        KEY_REUSED,
        "Idempotency-Key reused",
    )
    assert await definitions(db, "summer-boss") == 0


async def test_without_a_key_a_code_posted_twice_is_still_a_conflict(
    client: httpx.AsyncClient,
) -> None:
    first = await client.post("/mission-definitions", json=BOSS)
    again = await client.post("/mission-definitions", json=BOSS)

    assert (first.status_code, again.status_code) == (201, 409)
    assert again.json()["title"] == "Mission already defined"


async def test_a_new_key_for_a_code_already_defined_is_a_conflict_and_stays_free(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/mission-definitions", json=BOSS)

    taken = await client.post("/mission-definitions", json=BOSS, headers=keyed("def-2"))
    other = await client.post(
        "/mission-definitions", json={**BOSS, "code": "summer-boss"}, headers=keyed("def-2")
    )

    assert (taken.status_code, taken.json()["title"]) == (409, "Mission already defined")
    assert other.status_code == 201


async def test_definitions_posted_at_once_with_one_key_define_one_mission(
    client: httpx.AsyncClient, db: Any
) -> None:
    responses = await asyncio.gather(
        *(
            client.post("/mission-definitions", json=BOSS, headers=keyed("burst"))
            for _ in range(RACERS)
        )
    )

    assert Counter(r.status_code for r in responses) == {201: RACERS}
    assert len({r.text for r in responses}) == 1
    replayed = Counter(r.headers.get("idempotent-replayed") for r in responses)
    assert replayed == {None: 1, "true": RACERS - 1}
    assert await definitions(db, "spring-boss") == 1


@pytest.fixture
async def connections(database_url: str) -> AsyncIterator[list[Connection]]:
    database = Database(database_url, pool_size=RACERS)
    pool = await database.pool()
    acquired = await asyncio.gather(*(pool.acquire() for _ in range(RACERS)))
    try:
        yield list(acquired)
    finally:
        await asyncio.gather(*(pool.release(c) for c in acquired))
        await database.close()


async def test_transactions_racing_with_one_key_define_once_and_all_answer_alike(
    connections: list[Connection], db: Any
) -> None:
    everyone_in = asyncio.Barrier(RACERS)
    outbox = OutboxWriter(source="/questline/mission")

    async def race(conn: Connection) -> MissionDefined:
        async with conn.transaction():
            # Every transaction has begun before any claims the key: only the database
            # can keep them apart.
            await conn.execute("SELECT 1")
            await everyone_in.wait()
            command = DefineMission(MissionDefinition("spring-boss", "Beat it", 250), "race")
            return await define_mission(
                command, SqlMissionUnitOfWork(outbox=outbox, connection=conn)
            )

    answers = await asyncio.gather(*(race(c) for c in connections))

    assert Counter(a.replayed for a in answers) == {False: 1, True: RACERS - 1}
    assert all(a.mission == answers[0].mission for a in answers)
    assert await definitions(db, "spring-boss") == 1


async def test_the_openapi_document_shows_the_key_and_its_409(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    operation = document["paths"]["/mission-definitions"]["post"]

    [header] = [p for p in operation["parameters"] if p["in"] == "header"]
    assert (header["name"], header["required"]) == ("Idempotency-Key", False)
    assert header["schema"]["maxLength"] == 200
    conflict = operation["responses"]["409"]
    assert "Idempotency-Key" in conflict["description"]
    assert conflict["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
