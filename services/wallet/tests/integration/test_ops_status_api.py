"""GET /ops/wallet/status: the operators see the circuit breaker on the call to gift
beside the consumer lag, and a player does not see it at all."""

from __future__ import annotations

import httpx
import pytest

from questline.devstack.testing import ISSUER

pytestmark = pytest.mark.integration


async def test_the_status_shows_the_gift_circuit_breaker_to_operators(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.get("/ops/wallet/status", headers=ISSUER.headers(scope="liveops"))

    assert answer.status_code == 200, answer.text
    breaker = answer.json()["figures"]["giftCircuitBreaker"]
    assert breaker["state"] == "closed" and breaker["failureCount"] == 0


async def test_a_player_is_refused_the_status(client: httpx.AsyncClient) -> None:
    answer = await client.get("/ops/wallet/status", headers=ISSUER.player("alice"))

    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
