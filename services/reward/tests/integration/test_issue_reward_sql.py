"""Issuing and exchanging rewards through the real SQL unit of work: the unique mission
id, not luck, keeps it to one reward and one RewardIssued per achievement."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from questline.reward.application.issue_reward import IssueReward, issue_reward, issue_rewards
from questline.reward.application.mark_exchanged import (
    MarkExchanged,
    mark_exchanged,
    mark_exchanged_many,
)
from questline.reward.domain.errors import RewardExchangedForAnotherGift

pytestmark = pytest.mark.integration

EXCHANGED_AT = datetime(2025, 5, 2, 9, 30, tzinfo=UTC)


async def test_an_achievement_is_rewarded_with_one_row_and_one_reward_issued(
    owned_uow: Any, clock: Any, new_id: Any, db: Any
) -> None:
    assert await issue_reward(IssueReward("ach-1", "alice", 50), owned_uow(), clock, new_id)

    [reward] = await db.rewards()
    assert {k: reward[k] for k in ("id", "mission_id", "customer_id", "points", "status")} == {
        "id": "rw-1",
        "mission_id": "ach-1",
        "customer_id": "alice",
        "points": 50,
        "status": "ISSUED",
    }
    [event] = await db.outbox()
    assert (event["type"], event["key"], event["correlationid"]) == (
        "questline.reward.issued.v1",
        "alice",
        "ach-1",
    )
    assert event["data"] == {
        "rewardId": "rw-1",
        "missionId": "ach-1",
        "customerId": "alice",
        "points": 50,
        "issuedAt": "2025-05-01T12:00:00Z",
    }


async def test_ten_concurrent_issues_for_one_mission_make_one_reward(
    owned_uow: Any, clock: Any, new_id: Any, db: Any
) -> None:
    command = IssueReward("ach-1", "alice", 50)

    issued = await asyncio.gather(
        *(issue_reward(command, owned_uow(), clock, new_id) for _ in range(10))
    )

    assert sorted(issued) == [False] * 9 + [True]
    assert len(await db.rewards()) == 1
    assert len(await db.outbox()) == 1


async def test_an_exchanged_reward_is_marked_once_and_published_once(
    owned_uow: Any, clock: Any, new_id: Any, db: Any
) -> None:
    await issue_reward(IssueReward("ach-1", "alice", 50), owned_uow(), clock, new_id)

    for _ in range(2):
        await mark_exchanged(MarkExchanged("rw-1", "gift-potion", EXCHANGED_AT), owned_uow())

    [reward] = await db.rewards()
    assert (reward["status"], reward["gift_id"], reward["exchanged_at"]) == (
        "EXCHANGED",
        "gift-potion",
        EXCHANGED_AT,
    )
    events = [e for e in await db.outbox() if e["type"] == "questline.reward.exchanged.v1"]
    assert [(e["correlationid"], e["data"]["giftId"]) for e in events] == [("rw-1", "gift-potion")]


async def test_a_second_gift_for_an_exchanged_reward_is_refused_and_rolled_back(
    owned_uow: Any, clock: Any, new_id: Any, db: Any
) -> None:
    await issue_reward(IssueReward("ach-1", "alice", 50), owned_uow(), clock, new_id)
    await mark_exchanged(MarkExchanged("rw-1", "gift-potion", EXCHANGED_AT), owned_uow())

    with pytest.raises(RewardExchangedForAnotherGift):
        await mark_exchanged(MarkExchanged("rw-1", "gift-mount", EXCHANGED_AT), owned_uow())

    assert (await db.rewards())[0]["gift_id"] == "gift-potion"
    assert len(await db.outbox()) == 2


async def test_concurrent_batches_over_the_same_rewards_mark_each_once_without_deadlock(
    owned_uow: Any, clock: Any, new_id: Any, db: Any
) -> None:
    issue = [(IssueReward(f"ach-{n}", "alice", 50), None) for n in range(1, 6)]
    await issue_rewards(issue, owned_uow(), clock, new_id)
    ids = [f"rw-{n}" for n in range(1, 6)]

    # Half the batches name the rewards in the opposite order: the lock order is by id.
    batches = [
        [(MarkExchanged(i, "gift-potion", EXCHANGED_AT), f"ev-{b}-{i}") for i in order]
        for b, order in enumerate([ids, ids[::-1]] * 5)
    ]
    marked = await asyncio.gather(*(mark_exchanged_many(b, owned_uow()) for b in batches))

    assert sum(marked) == 5
    assert {r["status"] for r in await db.rewards()} == {"EXCHANGED"}
    events = [e for e in await db.outbox() if e["type"] == "questline.reward.exchanged.v1"]
    assert sorted(e["correlationid"] for e in events) == ids
