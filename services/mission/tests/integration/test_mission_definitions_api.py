"""The mission catalogue over HTTP: seeded on a fresh install, defined and revised by
LiveOps; a definition change publishes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration

BOSS = {"code": "spring-boss", "title": "Beat the spring boss", "points": 250}


async def test_a_fresh_install_lists_the_seeded_catalogue_in_code_order(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/mission-definitions")

    assert response.status_code == 200
    catalogue = {m["code"]: (m["title"], m["points"], m["active"]) for m in response.json()}
    assert catalogue == {
        "daily-login": ("Log in today", 10, True),
        "event-boss": ("Defeat the live event boss", 300, True),
        "first-win": ("Win your first match", 50, True),
        "invite-friend": ("Invite a friend who joins", 100, True),
        "win-streak-5": ("Win five matches in a row", 150, True),
    }
    assert [m["code"] for m in response.json()] == sorted(catalogue)


async def test_a_new_mission_is_created_and_can_then_be_achieved(
    client: httpx.AsyncClient, db: Any
) -> None:
    response = await client.post("/mission-definitions", json=BOSS)

    assert response.status_code == 201
    assert response.json() == {**BOSS, "active": True, "startsAt": None, "endsAt": None}
    assert (await client.get("/mission-definitions/spring-boss")).json() == response.json()
    achieved = await client.post(
        "/missions", json={"customerId": "alice", "missionCode": "spring-boss"}
    )
    assert (achieved.status_code, achieved.json()["points"]) == (201, 250)
    assert len(await db.outbox()) == 1  # the achievement's event, none for the definition


async def test_a_mission_code_is_defined_only_once(client: httpx.AsyncClient) -> None:
    await client.post("/mission-definitions", json=BOSS)

    response = await client.post("/mission-definitions", json={**BOSS, "title": "Again"})

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Mission already defined"
    assert (await client.get("/mission-definitions/spring-boss")).json()["title"] == BOSS["title"]


async def test_patching_active_false_deactivates_and_keeps_the_rest(
    client: httpx.AsyncClient,
) -> None:
    response = await client.patch("/mission-definitions/daily-login", json={"active": False})

    assert response.status_code == 200
    assert response.json() == {
        "code": "daily-login",
        "title": "Log in today",
        "points": 10,
        "active": False,
        "startsAt": None,
        "endsAt": None,
    }
    assert (await client.get("/mission-definitions/daily-login")).json()["active"] is False


async def test_points_revised_later_do_not_change_earlier_achievements(
    client: httpx.AsyncClient,
) -> None:
    earlier = (
        await client.post("/missions", json={"customerId": "alice", "missionCode": "first-win"})
    ).json()

    await client.patch("/mission-definitions/first-win", json={"points": 75})

    assert (await client.get(f"/missions/{earlier['id']}")).json()["points"] == 50


@pytest.mark.parametrize(
    "body",
    [
        {**BOSS, "startsAt": "2025-06-02T00:00:00Z", "endsAt": "2025-06-01T00:00:00Z"},
        {**BOSS, "startsAt": "2025-06-01T00:00:00"},  # no time zone
        {**BOSS, "points": 0},
        {**BOSS, "code": "Spring Boss"},
        {**BOSS, "title": "   "},
    ],
    ids=["window-ends-first", "naive-time", "no-points", "bad-code", "blank-title"],
)
async def test_an_invalid_definition_is_refused_with_422(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    response = await client.post("/mission-definitions", json=body)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert (await client.get("/mission-definitions/spring-boss")).status_code == 404


async def test_a_patch_that_would_end_the_window_before_it_starts_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    window = {"startsAt": "2030-01-01T00:00:00Z", "endsAt": "2030-02-01T00:00:00Z"}
    await client.patch("/mission-definitions/event-boss", json=window)

    response = await client.patch(
        "/mission-definitions/event-boss",
        json={"title": "Renamed", "endsAt": "2029-01-01T00:00:00Z"},
    )

    assert response.status_code == 422
    stored = (await client.get("/mission-definitions/event-boss")).json()
    assert (stored["title"], stored["endsAt"]) == (
        "Defeat the live event boss",
        "2030-02-01T00:00:00Z",
    )


async def test_an_unknown_definition_is_404_to_read_and_to_patch(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/mission-definitions/no-such-code")).status_code == 404
    response = await client.patch("/mission-definitions/no-such-code", json={"active": False})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
