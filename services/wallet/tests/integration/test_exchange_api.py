"""POST /wallets/{customerId}/rewards/{rewardId}/exchange when gift is down: the reward
stays, and once the circuit is open the answer comes at once, from memory alone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from questline.devstack.ports import free_port
from questline.devstack.testing import Infra
from questline.wallet.application.deposit_reward import DepositReward, deposit_reward

from .conftest import wallet_app

pytestmark = pytest.mark.integration

EXCHANGE = "/wallets/alice/rewards/rw-1/exchange"
COOLDOWN_S = 60


@pytest.fixture
async def gift_down_client(infra: Infra, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The wallet app with gift on a port nobody listens on; one failure opens the circuit."""
    async with wallet_app(
        infra,
        database_url,
        gift_base_url=f"http://127.0.0.1:{free_port()}",
        gift_breaker_threshold=1,
        gift_breaker_cooldown_s=COOLDOWN_S,
        gift_retry_after_s=3,
    ) as http:
        yield http


async def test_an_open_circuit_answers_503_without_touching_the_database_or_gift(
    gift_down_client: httpx.AsyncClient, engine: AsyncEngine, owned_uow: Any, clock: Any, db: Any
) -> None:
    await deposit_reward(DepositReward("rw-1", "alice", "ach-1", 50), owned_uow(), clock)
    body = {"giftId": "gift-potion"}

    tripped = await gift_down_client.post(EXCHANGE, json=body)
    assert (tripped.status_code, tripped.headers["retry-after"]) == (503, "3")

    # Any read of the wallet would now wait for this lock; the fallback must not.
    async with engine.connect() as conn, conn.begin():
        await conn.execute(text("LOCK TABLE wallet_rewards IN ACCESS EXCLUSIVE MODE"))
        async with asyncio.timeout(5):
            refused = await gift_down_client.post(EXCHANGE, json=body)

    # A Retry-After of the cooldown, not of a failed call: gift was not asked.
    assert refused.status_code == 503
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) > COOLDOWN_S - 10
    [entry] = await db.entries()
    assert entry["status"] == "AVAILABLE"
