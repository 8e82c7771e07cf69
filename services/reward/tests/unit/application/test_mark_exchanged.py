"""Policy on the wallet's RewardExchanged: the reward becomes EXCHANGED, once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from questline.reward.application import queries
from questline.reward.application.issue_reward import IssueReward, issue_reward
from questline.reward.application.mark_exchanged import MarkExchanged, mark_exchanged
from questline.reward.domain.errors import RewardExchangedForAnotherGift, RewardNotFound
from questline.reward.domain.events import RewardMarkedExchanged
from questline.reward.domain.reward import RewardStatus

EXCHANGED_AT = datetime(2025, 5, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
async def issued(uow: Any, clock: Any, new_id: Any) -> str:
    await issue_reward(IssueReward("ach-1", "alice", 50), uow, clock, new_id)
    uow.published.clear()
    return "rw-1"


async def test_an_exchanged_reward_becomes_exchanged_and_says_so(uow: Any, issued: str) -> None:
    await mark_exchanged(MarkExchanged(issued, "gift-potion", EXCHANGED_AT), uow)

    reward = await queries.get_reward(issued, uow)
    assert (reward.status, reward.gift_id) == (RewardStatus.EXCHANGED, "gift-potion")
    assert uow.published == [RewardMarkedExchanged(issued, "alice", "gift-potion", EXCHANGED_AT)]


async def test_a_redelivered_exchange_publishes_nothing_more(uow: Any, issued: str) -> None:
    for _ in range(2):
        await mark_exchanged(MarkExchanged(issued, "gift-potion", EXCHANGED_AT), uow)

    assert len(uow.published) == 1


async def test_an_exchange_for_another_gift_is_refused(uow: Any, issued: str) -> None:
    await mark_exchanged(MarkExchanged(issued, "gift-potion", EXCHANGED_AT), uow)

    with pytest.raises(RewardExchangedForAnotherGift):
        await mark_exchanged(MarkExchanged(issued, "gift-mount", EXCHANGED_AT), uow)

    assert (await queries.get_reward(issued, uow)).gift_id == "gift-potion"
    assert len(uow.published) == 1


async def test_an_exchange_of_an_unknown_reward_is_refused(uow: Any) -> None:
    with pytest.raises(RewardNotFound):
        await mark_exchanged(MarkExchanged("no-such-reward", "gift-potion", EXCHANGED_AT), uow)

    assert uow.published == []
