"""A reward: issued once per achievement, exchanged at most once, for one gift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from questline.reward.domain.errors import RewardExchangedForAnotherGift
from questline.reward.domain.events import RewardIssued, RewardMarkedExchanged
from questline.reward.domain.reward import Reward, RewardStatus

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def an_issued_reward() -> Reward:
    reward = Reward.issue("rw-1", "ach-1", "alice", 50, NOW)
    reward.events.clear()
    return reward


def test_issuing_a_reward_emits_reward_issued() -> None:
    reward = Reward.issue("rw-1", "ach-1", "alice", 50, NOW)

    assert reward.events == [RewardIssued("rw-1", "ach-1", "alice", 50, NOW)]


def test_a_new_reward_is_issued_with_no_gift() -> None:
    reward = Reward.issue("rw-1", "ach-1", "alice", 50, NOW)

    assert (reward.status, reward.gift_id, reward.exchanged_at) == (RewardStatus.ISSUED, None, None)


def test_marking_a_reward_exchanged_records_the_gift_and_emits_the_event() -> None:
    reward = an_issued_reward()

    assert reward.mark_exchanged("gift-potion", LATER) is True

    assert (reward.status, reward.gift_id, reward.exchanged_at) == (
        RewardStatus.EXCHANGED,
        "gift-potion",
        LATER,
    )
    assert reward.events == [RewardMarkedExchanged("rw-1", "alice", "gift-potion", LATER)]


def test_marking_the_same_exchange_again_is_no_news() -> None:
    reward = an_issued_reward()
    reward.mark_exchanged("gift-potion", LATER)

    assert reward.mark_exchanged("gift-potion", LATER + timedelta(minutes=5)) is False

    assert reward.exchanged_at == LATER
    assert len(reward.events) == 1


def test_an_exchanged_reward_cannot_be_exchanged_for_another_gift() -> None:
    reward = an_issued_reward()
    reward.mark_exchanged("gift-potion", LATER)

    with pytest.raises(RewardExchangedForAnotherGift, match="gift-potion"):
        reward.mark_exchanged("gift-mount", LATER)

    assert reward.gift_id == "gift-potion"
    assert len(reward.events) == 1
