"""GET /wallets/{customerId}: every reward in the wallet with its status and gift; a
customer with none has an empty wallet, not a missing one."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from questline.wallet.application.deposit_reward import DepositReward, deposit_reward

pytestmark = pytest.mark.integration


async def test_a_customer_with_no_rewards_gets_an_empty_wallet(client: httpx.AsyncClient) -> None:
    response = await client.get("/wallets/nobody")

    assert response.status_code == 200
    assert response.json() == {"customerId": "nobody", "availablePoints": 0, "rewards": []}


async def test_deposited_rewards_show_in_their_customers_wallet_only(
    client: httpx.AsyncClient, owned_uow: Any, clock: Any
) -> None:
    await deposit_reward(DepositReward("rw-1", "alice", "ach-1", 50), owned_uow(), clock)
    await deposit_reward(DepositReward("rw-2", "alice", "ach-2", 10), owned_uow(), clock)
    await deposit_reward(DepositReward("rw-3", "bob", "ach-3", 300), owned_uow(), clock)

    response = await client.get("/wallets/alice")

    assert response.status_code == 200
    body = response.json()
    assert (body["customerId"], body["availablePoints"]) == ("alice", 60)
    assert body["rewards"] == [
        {
            "rewardId": reward_id,
            "missionId": mission_id,
            "points": points,
            "status": "AVAILABLE",
            "depositedAt": "2025-05-01T12:00:00Z",
            "giftId": None,
            "exchangeId": None,
            "exchangedAt": None,
        }
        for reward_id, mission_id, points in [("rw-1", "ach-1", 50), ("rw-2", "ach-2", 10)]
    ]


@pytest.mark.parametrize(
    "customer", ["a" * 65, "al%20ice", "-alice", "x" * 10_000], ids=["65", "space", "dash", "10k"]
)
async def test_an_invalid_customer_id_is_a_422_problem(
    client: httpx.AsyncClient, customer: str
) -> None:
    response = await client.get(f"/wallets/{customer}")

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Invalid request"


async def test_an_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/wallets")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
