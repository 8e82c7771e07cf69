"""A wallet: rewards deposited AVAILABLE, each exchanged at most once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from questline.wallet.domain.errors import RewardAlreadyExchanged
from questline.wallet.domain.events import RewardDeposited, RewardExchanged
from questline.wallet.domain.wallet import EntryStatus, Wallet, WalletReward

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def deposited(reward_id: str = "rw-1", points: int = 50) -> WalletReward:
    entry = WalletReward.deposit(reward_id, "alice", f"ach-{reward_id}", points, NOW)
    entry.events.clear()
    return entry


def test_a_deposit_is_available_and_emits_reward_deposited() -> None:
    entry = WalletReward.deposit("rw-1", "alice", "ach-1", 50, NOW)

    assert entry.status is EntryStatus.AVAILABLE
    assert (entry.gift_id, entry.exchange_id, entry.exchanged_at) == (None, None, None)
    assert entry.events == [RewardDeposited("alice", "rw-1", "ach-1", 50, NOW)]


def test_an_available_reward_may_be_exchanged() -> None:
    deposited().ensure_available()


def test_marking_an_exchange_records_gift_and_exchange_and_emits_reward_exchanged() -> None:
    entry = deposited()

    assert entry.mark_exchanged("gift-potion", "ex-1", LATER) is True

    assert entry.status is EntryStatus.EXCHANGED
    assert (entry.gift_id, entry.exchange_id, entry.exchanged_at) == ("gift-potion", "ex-1", LATER)
    assert entry.events == [RewardExchanged("alice", "rw-1", "gift-potion", "ex-1", LATER)]


def test_the_same_exchange_marked_again_is_no_news() -> None:
    entry = deposited()
    entry.mark_exchanged("gift-potion", "ex-1", LATER)

    assert entry.mark_exchanged("gift-potion", "ex-1", LATER + timedelta(minutes=1)) is False

    assert entry.exchanged_at == LATER
    assert len(entry.events) == 1


@pytest.mark.parametrize(("gift", "exchange"), [("gift-potion", "ex-2"), ("gift-mount", "ex-2")])
def test_an_exchanged_reward_cannot_be_exchanged_again(gift: str, exchange: str) -> None:
    entry = deposited()
    entry.mark_exchanged("gift-potion", "ex-1", LATER)

    with pytest.raises(RewardAlreadyExchanged, match="gift-potion"):
        entry.mark_exchanged(gift, exchange, LATER)
    with pytest.raises(RewardAlreadyExchanged):
        entry.ensure_available()

    assert (entry.gift_id, entry.exchange_id) == ("gift-potion", "ex-1")


def test_available_points_count_only_rewards_not_yet_exchanged() -> None:
    spent = deposited("rw-2", points=300)
    spent.mark_exchanged("gift-mount", "ex-1", LATER)

    wallet = Wallet("alice", [deposited("rw-1", 50), spent, deposited("rw-3", 10)])

    assert wallet.available_points == 60


def test_an_empty_wallet_has_no_points() -> None:
    assert Wallet("alice", []).available_points == 0
