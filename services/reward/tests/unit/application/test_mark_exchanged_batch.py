"""The exchange policy applied to a consumer's whole batch at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from questline.reward.application.issue_reward import IssueReward, issue_rewards
from questline.reward.application.mark_exchanged import MarkExchanged, mark_exchanged_many
from questline.reward.domain.errors import RewardExchangedForAnotherGift, RewardNotFound
from questline.reward.domain.reward import RewardStatus

AT = datetime(2025, 5, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
async def issued(uow: Any, clock: Any, new_id: Any) -> list[str]:
    batch = [(IssueReward(f"m-{n}", "alice", 10 * n), None) for n in (1, 2, 3)]
    await issue_rewards(batch, uow, clock, new_id)
    uow.published.clear()
    uow.causes.clear()
    return ["rw-1", "rw-2", "rw-3"]


def exchange(reward_id: str, gift_id: str = "gift-potion") -> MarkExchanged:
    return MarkExchanged(reward_id, gift_id, AT)


async def test_a_batch_marks_each_reward_exchanged_and_names_each_cause(
    uow: Any, issued: list[str]
) -> None:
    batch = [(exchange("rw-3"), "ev-1"), (exchange("rw-1", "gift-mount"), "ev-2")]

    assert await mark_exchanged_many(batch, uow) == 2

    rows = uow.rewards.rows
    assert [(rows[i].status, rows[i].gift_id) for i in issued] == [
        (RewardStatus.EXCHANGED, "gift-mount"),
        (RewardStatus.ISSUED, None),
        (RewardStatus.EXCHANGED, "gift-potion"),
    ]
    assert [(e.reward_id, e.gift_id) for e in uow.published] == [
        ("rw-3", "gift-potion"),
        ("rw-1", "gift-mount"),
    ]
    assert uow.causes == ["ev-1", "ev-2"]


async def test_a_batch_locks_its_rewards_in_one_read_in_id_order_and_saves_in_one_write(
    uow: Any, issued: list[str]
) -> None:
    batch = [(exchange("rw-3"), "ev-1"), (exchange("rw-1"), "ev-2"), (exchange("rw-3"), "ev-3")]

    await mark_exchanged_many(batch, uow)

    assert uow.rewards.locked == [["rw-1", "rw-3"]]
    assert uow.rewards.saved == [["rw-3", "rw-1"]]


async def test_a_redelivered_exchange_in_a_batch_publishes_nothing_more(
    uow: Any, issued: list[str]
) -> None:
    await mark_exchanged_many([(exchange("rw-1"), "ev-1")], uow)

    batch = [
        (exchange("rw-1"), "ev-2"),  # already exchanged: re-published with a new id
        (exchange("rw-2"), "ev-3"),
        (exchange("rw-2"), "ev-4"),  # the same exchange twice within the batch
    ]
    assert await mark_exchanged_many(batch, uow) == 1

    assert [e.reward_id for e in uow.published] == ["rw-1", "rw-2"]
    assert uow.causes == ["ev-1", "ev-3"]
    assert uow.rewards.saved[-1] == ["rw-2"]  # the unchanged reward is not written again


async def test_a_batch_of_exchanges_already_applied_writes_nothing(
    uow: Any, issued: list[str]
) -> None:
    await mark_exchanged_many([(exchange("rw-1"), "ev-1")], uow)

    assert await mark_exchanged_many([(exchange("rw-1"), "ev-2")], uow) == 0

    assert uow.rewards.saved[-1] == []
    assert len(uow.published) == 1


async def test_an_unknown_reward_fails_the_whole_batch(uow: Any, issued: list[str]) -> None:
    batch = [(exchange("rw-1"), "ev-1"), (exchange("no-such-reward"), "ev-2")]

    with pytest.raises(RewardNotFound):
        await mark_exchanged_many(batch, uow)

    assert uow.rewards.rows["rw-1"].status is RewardStatus.ISSUED
    assert uow.rewards.saved == []
    assert uow.published == []


async def test_a_second_gift_for_one_reward_within_a_batch_fails_the_batch(
    uow: Any, issued: list[str]
) -> None:
    batch = [(exchange("rw-1"), "ev-1"), (exchange("rw-1", "gift-mount"), "ev-2")]

    with pytest.raises(RewardExchangedForAnotherGift):
        await mark_exchanged_many(batch, uow)

    assert uow.rewards.rows["rw-1"].status is RewardStatus.ISSUED
    assert uow.published == []
