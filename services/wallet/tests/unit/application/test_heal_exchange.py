"""HealExchange: GiftExchanged tells wallet what really happened after an uncertain call."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from questline.wallet.application.heal_exchange import (
    HealExchange,
    heal_exchange,
    heal_exchanges,
)
from questline.wallet.domain.errors import RewardAlreadyExchanged, RewardNotInWallet
from questline.wallet.domain.events import RewardExchanged
from questline.wallet.domain.wallet import EntryStatus, WalletReward

AT = datetime(2025, 5, 1, 12, 30, tzinfo=UTC)


async def test_an_available_entry_is_healed_to_exchanged_once(uow):
    uow.wallet.rows["r-1"] = WalletReward("r-1", "alice", "m-1", 50, AT)
    heal = HealExchange("r-1", "gift-skin", "x-1", AT)
    assert await heal_exchange(heal, uow) is True
    assert await heal_exchange(heal, uow) is False
    entry = uow.wallet.rows["r-1"]
    assert entry.status is EntryStatus.EXCHANGED and entry.exchange_id == "x-1"
    assert len(uow.published) == 1


async def test_healing_a_reward_the_wallet_never_had_is_an_error(uow):
    with pytest.raises(RewardNotInWallet):
        await heal_exchange(HealExchange("r-404", "gift-skin", "x-1", AT), uow)


def gift_exchanged(reward_id: str, exchange_id: str | None = None) -> HealExchange:
    return HealExchange(reward_id, "gift-skin", exchange_id or f"x-{reward_id}", AT)


async def test_a_batch_heals_each_entry_with_one_locked_read_and_one_save(uow):
    for reward_id in ("r-2", "r-1", "r-3"):
        uow.wallet.rows[reward_id] = WalletReward(reward_id, "alice", "m-1", 50, AT)

    healed = await heal_exchanges(
        [(gift_exchanged("r-3"), "ev-1"), (gift_exchanged("r-1"), "ev-2")], uow
    )

    assert healed == 2
    assert [(r, e.status) for r, e in sorted(uow.wallet.rows.items())] == [
        ("r-1", EntryStatus.EXCHANGED),
        ("r-2", EntryStatus.AVAILABLE),
        ("r-3", EntryStatus.EXCHANGED),
    ]
    assert uow.wallet.statements == ["lock_many", "save_many"]
    assert uow.wallet.locks == ["r-1", "r-3"]  # in reward id order, not arrival order


async def test_each_healed_entrys_event_leaves_with_the_gift_exchanged_that_caused_it(uow):
    for reward_id in ("r-1", "r-2"):
        uow.wallet.rows[reward_id] = WalletReward(reward_id, "alice", "m-1", 50, AT)

    await heal_exchanges([(gift_exchanged("r-2"), "ev-1"), (gift_exchanged("r-1"), "ev-2")], uow)

    assert list(zip(uow.published, uow.causes, strict=True)) == [
        (RewardExchanged("alice", "r-2", "gift-skin", "x-r-2", AT), "ev-1"),
        (RewardExchanged("alice", "r-1", "gift-skin", "x-r-1", AT), "ev-2"),
    ]


async def test_a_republished_gift_exchanged_in_the_same_batch_heals_once(uow):
    uow.wallet.rows["r-1"] = WalletReward("r-1", "alice", "m-1", 50, AT)

    healed = await heal_exchanges(
        [(gift_exchanged("r-1"), "ev-1"), (gift_exchanged("r-1"), "ev-2")], uow
    )

    assert healed == 1
    assert uow.causes == ["ev-1"]


async def test_a_batch_of_exchanges_the_wallet_already_shows_writes_nothing(uow):
    uow.wallet.rows["r-1"] = WalletReward("r-1", "alice", "m-1", 50, AT)
    await heal_exchange(gift_exchanged("r-1"), uow)
    uow.wallet.statements.clear()

    assert await heal_exchanges([(gift_exchanged("r-1"), "ev-2")], uow) == 0

    assert uow.wallet.statements == ["lock_many"]
    assert len(uow.published) == 1


@pytest.mark.parametrize(
    ("culprit", "error"),
    [
        (gift_exchanged("r-404"), RewardNotInWallet),
        (gift_exchanged("r-2", "x-another"), RewardAlreadyExchanged),
    ],
    ids=["not-in-the-wallet", "another-exchange"],
)
async def test_an_event_the_wallet_cannot_apply_fails_the_whole_batch_and_changes_nothing(
    uow, culprit, error
):
    """The inbox then applies the batch event by event and sets the culprit aside."""
    for reward_id in ("r-1", "r-2"):
        uow.wallet.rows[reward_id] = WalletReward(reward_id, "alice", "m-1", 50, AT)
    await heal_exchange(gift_exchanged("r-2"), uow)
    published = list(uow.published)

    with pytest.raises(error):
        await heal_exchanges([(gift_exchanged("r-1"), "ev-1"), (culprit, "ev-2")], uow)

    assert uow.wallet.rows["r-1"].status is EntryStatus.AVAILABLE
    assert uow.published == published
