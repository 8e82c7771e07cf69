"""GET /rewards/{id} and GET /rewards?customerId=: the reward as the reward context holds it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from questline.reward.application.issue_reward import IssueReward, issue_reward

pytestmark = pytest.mark.integration


@pytest.fixture
async def issue(owned_uow: Any, clock: Any, new_id: Any) -> Any:
    async def issue(mission_id: str, customer_id: str = "alice", points: int = 50) -> None:
        await issue_reward(IssueReward(mission_id, customer_id, points), owned_uow(), clock, new_id)

    return issue


async def test_a_reward_is_read_by_its_id(client: httpx.AsyncClient, issue: Any) -> None:
    await issue("ach-1")

    response = await client.get("/rewards/rw-1")

    assert response.status_code == 200
    assert response.json() == {
        "id": "rw-1",
        "missionId": "ach-1",
        "customerId": "alice",
        "points": 50,
        "status": "ISSUED",
        "issuedAt": "2025-05-01T12:00:00Z",
        "giftId": None,
        "exchangedAt": None,
    }


async def test_a_customers_rewards_are_listed_and_only_theirs(
    client: httpx.AsyncClient, issue: Any
) -> None:
    await issue("ach-1", "alice", 50)
    await issue("ach-2", "bob", 10)
    await issue("ach-3", "alice", 300)

    response = await client.get("/rewards", params={"customerId": "alice"})

    assert response.status_code == 200
    body = response.json()
    assert body["customerId"] == "alice"
    assert sorted((r["id"], r["points"]) for r in body["items"]) == [("rw-1", 50), ("rw-3", 300)]


async def test_a_customer_with_no_rewards_gets_an_empty_list(client: httpx.AsyncClient) -> None:
    response = await client.get("/rewards", params={"customerId": "nobody"})

    assert (response.status_code, response.json()) == (200, {"customerId": "nobody", "items": []})


@pytest.mark.parametrize("path", ["/rewards/no-such-reward", "/no/such/route"])
async def test_what_does_not_exist_is_a_404_problem(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/rewards", {}),
        ("/rewards", {"customerId": "a" * 65}),
        ("/rewards", {"customerId": "al ice"}),
        ("/rewards", {"customerId": "alice", "limit": "1001"}),
        ("/rewards/" + "x" * 10_000, {}),
    ],
    ids=["customer-missing", "customer-65-chars", "customer-with-space", "limit-too-big", "id-10k"],
)
async def test_invalid_reads_are_422_problems(
    client: httpx.AsyncClient, path: str, params: dict[str, str]
) -> None:
    response = await client.get(path, params=params)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Invalid request"
