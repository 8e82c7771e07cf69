"""Whatever a caller sends, a bad request answers application/problem+json with a
status, a title and a detail, never 500, and writes nothing: no achievement, no event."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration

PROBLEM_JSON = "application/problem+json"
ALICE = {"customerId": "alice", "missionCode": "first-win"}


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["title"]
    assert problem["detail"]
    return problem


async def assert_nothing_written(db: Any) -> None:
    assert await db.achievements() == 0
    assert await db.outbox() == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(b'{"customerId": "alice", "missionCode": ', 400, id="malformed-json"),
        pytest.param(b"not json at all", 400, id="not-json"),
        pytest.param(b'{"customerId": "alice"}', 422, id="missing-field"),
        pytest.param(b'{"customerId": 42, "missionCode": "first-win"}', 422, id="wrong-type"),
        pytest.param(b'["alice", "first-win"]', 422, id="an-array"),
        pytest.param(
            b'{"customerId": "alice", "missionCode": "first-win", "bonus": 1}', 422, id="extra"
        ),
        pytest.param(b'{"customerId": "alice", "missionCode": ""}', 422, id="empty-code"),
        pytest.param(
            b'{"customerId": "' + b"a" * 65 + b'", "missionCode": "first-win"}', 422, id="id-65"
        ),
        pytest.param(b'{"customerId": "al ice", "missionCode": "first-win"}', 422, id="space"),
        pytest.param(b'{"customerId": "", "missionCode": "first-win"}', 422, id="empty-id"),
    ],
)
async def test_a_bad_achievement_body_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, db: Any, body: bytes, status: int
) -> None:
    response = await client.post(
        "/missions", content=body, headers={"content-type": "application/json"}
    )

    assert_problem(response, status)
    await assert_nothing_written(db)


async def test_a_missing_field_is_named_in_the_problem(client: httpx.AsyncClient) -> None:
    response = await client.post("/missions", json={"customerId": "alice"})

    problem = assert_problem(response, 422)
    assert {"field": "missionCode", "message": "Field required"} in problem["errors"]


async def test_an_unknown_mission_code_is_refused_with_422(
    client: httpx.AsyncClient, db: Any
) -> None:
    response = await client.post("/missions", json={**ALICE, "missionCode": "no-such-mission"})

    problem = assert_problem(response, 422)
    assert problem["title"] == "Mission not available"
    assert problem["missionCode"] == "no-such-mission"
    await assert_nothing_written(db)


async def test_an_inactive_mission_is_refused_with_422(client: httpx.AsyncClient, db: Any) -> None:
    patched = await client.patch("/mission-definitions/first-win", json={"active": False})
    assert patched.status_code == 200

    response = await client.post("/missions", json=ALICE, headers={"Idempotency-Key": "k-1"})

    assert assert_problem(response, 422)["title"] == "Mission not available"
    await assert_nothing_written(db)


async def test_a_mission_whose_window_is_over_is_refused_with_422(
    client: httpx.AsyncClient, db: Any
) -> None:
    window = {"startsAt": "2020-01-01T00:00:00Z", "endsAt": "2020-01-02T00:00:00Z"}
    assert (await client.patch("/mission-definitions/first-win", json=window)).status_code == 200

    assert_problem(await client.post("/missions", json=ALICE), 422)
    await assert_nothing_written(db)


async def test_a_body_over_64_kib_is_refused_with_413(client: httpx.AsyncClient, db: Any) -> None:
    response = await client.post("/missions", json={**ALICE, "padding": "x" * 70_000})

    assert assert_problem(response, 413)["title"] == "Request body too large"
    await assert_nothing_written(db)


async def test_a_streamed_body_over_64_kib_is_refused_with_413(
    client: httpx.AsyncClient, db: Any
) -> None:
    async def chunks() -> Any:
        yield b'{"customerId": "alice", "missionCode": "first-win", "padding": "'
        for _ in range(10):
            yield b"x" * 8192
        yield b'"}'

    response = await client.post(
        "/missions", content=chunks(), headers={"content-type": "application/json"}
    )

    assert_problem(response, 413)
    await assert_nothing_written(db)


async def test_an_idempotency_key_over_200_characters_is_refused(
    client: httpx.AsyncClient, db: Any
) -> None:
    response = await client.post("/missions", json=ALICE, headers={"Idempotency-Key": "k" * 201})

    assert_problem(response, 422)
    await assert_nothing_written(db)


async def test_an_unknown_achievement_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/missions/no-such-achievement")

    assert assert_problem(response, 404)["title"] == "Achievement not found"


async def test_a_ten_thousand_character_id_is_refused_not_crashed_on(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/missions/" + "x" * 10_000)

    assert response.status_code in {404, 422}
    assert_problem(response, response.status_code)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"customerId": ""},
        {"customerId": "a" * 65},
        {"customerId": "al ice"},
        {"customerId": "alice", "limit": "0"},
        {"customerId": "alice", "limit": "lots"},
    ],
    ids=["missing", "empty", "65-chars", "space", "limit-0", "limit-not-a-number"],
)
async def test_listing_achievements_needs_a_valid_customer_and_limit(
    client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    assert_problem(await client.get("/missions", params=params), 422)


async def test_an_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/route")

    problem = assert_problem(response, 404)
    assert problem["detail"] == "No resource at /no/such/route."


async def test_a_wrong_method_is_a_405_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.delete("/missions"), 405)
