"""Exchanging rewards for gifts on the running system: contention for the last units,
double taps, gift down, gift slow (Toxiproxy) and the circuit breaker, and healing of
uncertain outcomes. Invariants 3, 4 and 5 are checked after every scenario."""

from __future__ import annotations

import asyncio
import re
import signal

import httpx
import pytest

from questline.devstack.ports import free_ports
from questline.devstack.testing import eventually

pytestmark = pytest.mark.e2e


async def settled_rewards(api, customers: list[str], per_customer: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    await api.achieve_many(customers, per_customer=per_customer)
    await api.wait_settled(customers, achievements=per_customer)
    return [(c, w["rewardId"]) for c in customers for w in await api.rewards_of(c)]


async def test_50_exchanges_at_once_for_10_units_give_10_gifts_and_40_out_of_stock(api):
    players = api.customers(10, "rush")
    rewards = await settled_rewards(api, players, per_customer=5)
    gift = await api.new_gift(stock=10, name="Last ten")
    responses = await asyncio.gather(*(api.exchange(c, r, gift["id"]) for c, r in rewards))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) == 10 and codes.count(409) == 40, codes
    assert all(r.json()["type"].endswith("out-of-stock") for r in responses if r.status_code == 409)
    assert (await api.get("gift", f"/gifts/{gift['id']}"))["stock"] == 0
    await api.assert_exchange_invariants(players, [gift["id"]])


async def test_the_same_reward_exchanged_twice_at_once_takes_one_gift(api):
    [player] = api.customers(1, "double")
    [(_, reward_id)] = await settled_rewards(api, [player], per_customer=1)
    gift = await api.new_gift(stock=5)
    responses = await asyncio.gather(
        *(api.exchange(player, reward_id, gift["id"]) for _ in range(5))
    )
    ok = [r.json() for r in responses if r.status_code == 200]
    assert ok and all(r.status_code in (200, 409) for r in responses)
    assert len({o["exchangeId"] for o in ok}) == 1
    exchanges = await api.get("gift", f"/exchanges?rewardId={reward_id}")
    assert len(exchanges["items"]) == 1
    assert (await api.get("gift", f"/gifts/{gift['id']}"))["stock"] == 4
    await api.assert_exchange_invariants([player], [gift["id"]])


async def test_with_gift_down_exchanges_answer_503_and_rewards_keep_flowing(api):
    stack = api.stack
    players = api.customers(2, "giftdown")
    rewards = await settled_rewards(api, players, per_customer=2)
    gift = await api.new_gift(stock=10)
    stack.stop("gift-0", sig=signal.SIGKILL)
    try:
        refused = await api.exchange(*rewards[0], gift["id"])
        assert refused.status_code == 503
        assert int(refused.headers["Retry-After"]) >= 1
        assert "try again" in refused.json()["detail"]
        assert all(w["status"] == "AVAILABLE" for w in await api.rewards_of(players[0]))
        # Achievements and rewards keep settling while gift is down (invariant 7).
        others = api.customers(3, "whilegiftdown")
        await api.achieve_many(others, per_customer=3)
        await api.wait_settled(others, achievements=3)
    finally:
        stack.start("gift")
        stack.wait_ready(["gift"])

    async def exchanged() -> bool:  # the breaker may still be cooling down: retry
        response = await api.exchange(*rewards[0], gift["id"])
        return response.status_code == 200

    await eventually(exchanged, timeout=60, interval=0.5)
    await api.assert_exchange_invariants(players, [gift["id"]])


async def test_a_slow_gift_opens_the_circuit_and_the_fallback_spares_gift(api, toxiproxy):
    """Gift answers after 1.5 s (Toxiproxy latency) while wallet waits 0.3 s: calls time
    out — after gift committed, so those exchanges heal by event — the circuit opens,
    and while it is open wallet answers at once without calling gift."""
    stack = api.stack
    players = api.customers(3, "slow")
    rewards = await settled_rewards(api, players, per_customer=3)
    gift = await api.new_gift(stock=100)
    gift_port = stack.config.http_ports["gift"]
    proxy = f"gift-{players[0]}"
    listen = toxiproxy.proxy(proxy, f"127.0.0.1:{gift_port}")
    [port] = free_ports(1)
    slow_wallet = stack.start(
        "wallet",
        roles="http",
        replica="slow",
        env={
            "QUESTLINE_*_HTTP_PORT": str(port),
            "QUESTLINE_*_GIFT_BASE_URL": f"http://{listen}",
            "QUESTLINE_*_GIFT_READ_TIMEOUT_S": "0.3",
            "QUESTLINE_*_GIFT_BREAKER_THRESHOLD": "3",
            "QUESTLINE_*_GIFT_BREAKER_COOLDOWN_S": "4",
        },
    )
    wallet = f"http://127.0.0.1:{port}"
    try:
        await eventually(lambda: _ready(api.client, wallet), timeout=60)
        toxiproxy.add_latency(proxy, 1500)
        timed_out = rewards[:3]
        for customer, reward_id in timed_out:
            response = await api.exchange(customer, reward_id, gift["id"], wallet_url=wallet)
            assert response.status_code == 503 and response.headers["Retry-After"]
        [breaker] = (await api.client.get(f"{wallet}/admin/circuit-breakers")).json()
        assert breaker["state"] == "opened"
        calls_before = await _gift_exchange_calls(api)
        for customer, reward_id in rewards[3:6]:
            response = await api.exchange(customer, reward_id, gift["id"], wallet_url=wallet)
            assert response.status_code == 503
            assert "busy" in response.json()["title"].lower()
        assert await _gift_exchange_calls(api) == calls_before  # gift saw no call
        metrics = (await api.client.get(f"{wallet}/metrics")).text
        assert 'questline_gift_calls_total{outcome="rejected_open"} 3.0' in metrics

        toxiproxy.remove_toxic(proxy)

        async def closed_again() -> bool:
            customer, reward_id = rewards[6]
            response = await api.exchange(customer, reward_id, gift["id"], wallet_url=wallet)
            return response.status_code == 200

        await eventually(closed_again, timeout=30, interval=0.5)
        [breaker] = (await api.client.get(f"{wallet}/admin/circuit-breakers")).json()
        assert breaker["state"] == "closed"
        # The timed-out exchanges happened at gift: they heal to EXCHANGED by event, and
        # a retry returns the very exchange gift made, not a second gift.
        await api.assert_exchange_invariants(players, [gift["id"]])
        for customer, reward_id in timed_out:
            entry = next(w for w in await api.rewards_of(customer) if w["rewardId"] == reward_id)
            assert entry["status"] == "EXCHANGED"
            retry = await api.exchange(customer, reward_id, gift["id"])
            assert retry.status_code == 200 and retry.json()["exchangeId"] == entry["exchangeId"]
        assert (await api.get("gift", f"/gifts/{gift['id']}"))["exchangedCount"] == 4
    finally:
        stack.stop(slow_wallet.key)


async def _ready(client: httpx.AsyncClient, base: str) -> bool:
    try:
        return (await client.get(f"{base}/health/ready")).status_code == 200
    except httpx.HTTPError:
        return False


async def _gift_exchange_calls(api) -> float:  # type: ignore[no-untyped-def]
    text = (await api.client.get(api.url("gift", "/metrics"))).text
    pattern = (
        r'questline_http_requests_total\{method="POST",route="/exchanges",status="\d+"\} (\S+)'
    )
    return sum(float(v) for v in re.findall(pattern, text))
