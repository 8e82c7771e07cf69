"""GET /mypage/{customerId} after the consumer folded contract events into the read
model: duplicates and any order across batches show the same, right page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from questline.contracts import events as contract

pytestmark = pytest.mark.integration

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def achieved(mission: str, code: str, points: int, minutes: int) -> contract.MissionAchieved:
    return contract.MissionAchieved(
        mission_id=mission,
        customer_id="alice",
        mission_code=code,
        points=points,
        achieved_at=T0 + timedelta(minutes=minutes),
        mission_title=f"Title of {code}",
    )


def linked(mission: str, reward: str) -> contract.MissionRewardLinked:
    return contract.MissionRewardLinked(mission_id=mission, customer_id="alice", reward_id=reward)


def issued(reward: str, mission: str, points: int) -> contract.RewardIssued:
    return contract.RewardIssued(
        reward_id=reward, mission_id=mission, customer_id="alice", points=points, issued_at=T0
    )


def deposited(reward: str, mission: str, points: int, minutes: int) -> contract.RewardDeposited:
    return contract.RewardDeposited(
        customer_id="alice",
        reward_id=reward,
        mission_id=mission,
        points=points,
        deposited_at=T0 + timedelta(minutes=minutes),
    )


WALLET_EXCHANGED = contract.RewardExchanged(
    customer_id="alice",
    reward_id="rw-1",
    gift_id="gift-potion",
    exchange_id="ex-1",
    exchanged_at=T0 + timedelta(hours=1),
)
POTION = contract.GiftCatalogued(
    gift_id="gift-potion", name="Health potion pack", stock=999, stocked_total=1000
)
REWARD_EXCHANGED = contract.RewardMarkedExchanged(
    reward_id="rw-1",
    customer_id="alice",
    gift_id="gift-potion",
    exchanged_at=T0 + timedelta(hours=1),
)


async def test_a_customers_story_shows_missions_with_reward_status_and_wallet(
    client: httpx.AsyncClient, consume: Any
) -> None:
    # Out of order across batches and within them, one event delivered twice.
    await consume(("e6", REWARD_EXCHANGED), ("e4", deposited("rw-1", "ach-1", 50, 2)))
    await consume(
        ("e2", linked("ach-1", "rw-1")),
        ("e1", achieved("ach-1", "first-win", 50, 0)),
        ("e5", WALLET_EXCHANGED),
        ("e3", issued("rw-1", "ach-1", 50)),
        ("e7", achieved("ach-2", "daily-login", 10, 5)),
        ("e1", achieved("ach-1", "first-win", 50, 0)),
    )
    await consume(("e3", issued("rw-1", "ach-1", 50)))  # a late redelivery
    await consume(("e8", POTION))  # the gift's name, heard after the exchange

    response = await client.get("/mypage/alice")

    assert response.status_code == 200
    page = response.json()
    assert page["customerId"] == "alice"
    assert page["updatedAt"] == "2025-05-01T13:00:00Z"
    assert page["missions"] == [
        {
            "missionId": "ach-2",
            "missionCode": "daily-login",
            "missionTitle": "Title of daily-login",
            "points": 10,
            "achievedAt": "2025-05-01T12:05:00Z",
            "rewardId": None,
            "rewardStatus": None,
        },
        {
            "missionId": "ach-1",
            "missionCode": "first-win",
            "missionTitle": "Title of first-win",
            "points": 50,
            "achievedAt": "2025-05-01T12:00:00Z",
            "rewardId": "rw-1",
            "rewardStatus": "EXCHANGED",
        },
    ]
    assert page["wallet"] == [
        {
            "rewardId": "rw-1",
            "missionId": "ach-1",
            "points": 50,
            "status": "EXCHANGED",
            "depositedAt": "2025-05-01T12:02:00Z",
            "giftId": "gift-potion",
            "giftName": "Health potion pack",
            "exchangeId": "ex-1",
            "exchangedAt": "2025-05-01T13:00:00Z",
        }
    ]


async def test_a_mission_appears_only_once_its_achievement_arrived(
    client: httpx.AsyncClient, consume: Any
) -> None:
    await consume(("e2", linked("ach-1", "rw-1")), ("e3", issued("rw-1", "ach-1", 50)))
    assert (await client.get("/mypage/alice")).json()["missions"] == []

    await consume(("e1", achieved("ach-1", "first-win", 50, 0)))

    [mission] = (await client.get("/mypage/alice")).json()["missions"]
    assert (mission["rewardId"], mission["rewardStatus"]) == ("rw-1", "ISSUED")


async def test_a_wallet_entry_appears_only_once_deposited(
    client: httpx.AsyncClient, consume: Any
) -> None:
    await consume(("e3", issued("rw-1", "ach-1", 50)), ("e5", WALLET_EXCHANGED))
    assert (await client.get("/mypage/alice")).json()["wallet"] == []

    await consume(("e4", deposited("rw-1", "ach-1", 50, 2)))

    [entry] = (await client.get("/mypage/alice")).json()["wallet"]
    assert (entry["status"], entry["giftId"]) == ("EXCHANGED", "gift-potion")


async def test_events_of_other_customers_and_gift_stock_do_not_touch_the_page(
    client: httpx.AsyncClient, consume: Any
) -> None:
    bob = contract.MissionAchieved(
        mission_id="ach-9", customer_id="bob", mission_code="first-win", points=50, achieved_at=T0
    )
    stock = contract.GiftStockChanged(gift_id="gift-potion", name="Potion", stock=10)

    await consume(("e1", bob), ("e2", stock))

    assert (await client.get("/mypage/alice")).json()["missions"] == []
    assert [m["missionId"] for m in (await client.get("/mypage/bob")).json()["missions"]] == [
        "ach-9"
    ]


async def test_an_unknown_customer_gets_an_empty_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/mypage/nobody")

    assert response.status_code == 200
    assert response.json() == {
        "customerId": "nobody",
        "missions": [],
        "wallet": [],
        "updatedAt": None,
    }


@pytest.mark.parametrize(
    "customer", ["a" * 65, "al%20ice", "x" * 10_000], ids=["65", "space", "10k"]
)
async def test_an_invalid_customer_id_is_a_422_problem(
    client: httpx.AsyncClient, customer: str
) -> None:
    response = await client.get(f"/mypage/{customer}")

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
