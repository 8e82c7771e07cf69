"""The issuing flow through the running system: achievement → reward → wallet → My Page."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


async def test_200_achievements_from_20_customers_each_settle_with_exactly_one_reward(api):
    players = api.customers(20)
    accepted = await api.achieve_many(players, per_customer=10)
    assert len(accepted) == 200
    assert all(a["status"] == "ACHIEVED" for a in accepted)
    await api.wait_settled(players, achievements=10)


async def test_the_same_idempotency_key_twice_makes_one_achievement_and_one_reward(api):
    [player] = api.customers(1, "idem")
    first = await api.achieve(player, key=f"{player}-k1")
    again = await api.achieve(player, key=f"{player}-k1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    await api.wait_settled([player], achievements=1)


async def test_the_same_key_with_another_mission_is_refused(api):
    [player] = api.customers(1, "idem2")
    assert (await api.achieve(player, key=f"{player}-k", code="first-win")).status_code == 201
    reused = await api.achieve(player, key=f"{player}-k", code="daily-login")
    assert reused.status_code == 409
    assert reused.headers["content-type"] == "application/problem+json"
