"""HealExchange: GiftExchanged tells wallet what really happened after an uncertain call."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from questline.wallet.application.heal_exchange import HealExchange, heal_exchange
from questline.wallet.domain.errors import RewardNotInWallet
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
