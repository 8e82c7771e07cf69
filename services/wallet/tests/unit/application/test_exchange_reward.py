"""ExchangeReward with in-memory ports: what the player gets for each answer of gift."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from questline.wallet.application.exchange_reward import ExchangeReward, exchange_reward
from questline.wallet.application.ports import GiftExchange
from questline.wallet.domain.errors import (
    GiftShopUnavailable,
    OutOfStock,
    RewardAlreadyExchanged,
    RewardNotInWallet,
)
from questline.wallet.domain.events import RewardExchanged
from questline.wallet.domain.wallet import EntryStatus, WalletReward

AT = datetime(2025, 5, 1, 12, 30, tzinfo=UTC)


class FakeGifts:
    """Gift as wallet sees it: idempotent per reward, or failing as told."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.fail = fail
        self.made: dict[str, GiftExchange] = {}
        self.calls = 0

    async def unavailable_for(self) -> int | None:
        return (
            7 if isinstance(self.fail, GiftShopUnavailable) and self.fail.reason == "open" else None
        )

    async def exchange(self, reward_id: str, customer_id: str, gift_id: str) -> GiftExchange:
        self.calls += 1
        if self.fail is not None:
            raise self.fail
        return self.made.setdefault(reward_id, GiftExchange(f"x-{reward_id}", gift_id, AT))


@pytest.fixture
def entry(uow) -> WalletReward:  # type: ignore[no-untyped-def]
    reward = WalletReward("r-1", "alice", "m-1", 50, AT)
    uow.wallet.rows[reward.reward_id] = reward
    return reward


async def test_an_available_reward_is_exchanged_and_the_exchange_published(uow, entry):
    gifts = FakeGifts()
    result = await exchange_reward(
        ExchangeReward("alice", "r-1", "gift-potion"), lambda: uow, gifts
    )
    assert result.status is EntryStatus.EXCHANGED and result.gift_id == "gift-potion"
    assert result.exchange_id == "x-r-1"
    assert uow.published == [RewardExchanged("alice", "r-1", "gift-potion", "x-r-1", AT)]


async def test_a_retry_of_a_finished_exchange_returns_it_without_calling_gift(uow, entry):
    gifts = FakeGifts()
    command = ExchangeReward("alice", "r-1", "gift-potion")
    first = await exchange_reward(command, lambda: uow, gifts)
    again = await exchange_reward(command, lambda: uow, gifts)
    assert again.exchange_id == first.exchange_id
    assert gifts.calls == 1 and len(uow.published) == 1


async def test_another_gift_for_an_exchanged_reward_is_refused(uow, entry):
    gifts = FakeGifts()
    await exchange_reward(ExchangeReward("alice", "r-1", "gift-potion"), lambda: uow, gifts)
    with pytest.raises(RewardAlreadyExchanged):
        await exchange_reward(ExchangeReward("alice", "r-1", "gift-skin"), lambda: uow, gifts)


async def test_someone_elses_reward_is_not_found(uow, entry):
    with pytest.raises(RewardNotInWallet):
        await exchange_reward(
            ExchangeReward("mallory", "r-1", "gift-potion"), lambda: uow, FakeGifts()
        )


@pytest.mark.parametrize("failure", [GiftShopUnavailable("timeout", 3), OutOfStock("gift-mount")])
async def test_when_gift_does_not_exchange_the_reward_stays_available(uow, entry, failure):
    with pytest.raises(type(failure)):
        await exchange_reward(
            ExchangeReward("alice", "r-1", "gift-mount"), lambda: uow, FakeGifts(fail=failure)
        )
    assert entry.status is EntryStatus.AVAILABLE and uow.published == []


async def test_gift_keeping_an_earlier_exchange_makes_the_wallet_show_that_one(uow, entry):
    """After a timeout the player picked another gift; gift had already made the first."""
    gifts = FakeGifts()
    gifts.made["r-1"] = GiftExchange("x-first", "gift-potion", AT)
    with pytest.raises(RewardAlreadyExchanged):
        await exchange_reward(ExchangeReward("alice", "r-1", "gift-skin"), lambda: uow, gifts)
    assert entry.status is EntryStatus.EXCHANGED and entry.gift_id == "gift-potion"
    assert entry.exchange_id == "x-first"


async def test_an_open_circuit_answers_at_once_without_calling_gift_or_the_database(uow, entry):
    gifts = FakeGifts(fail=GiftShopUnavailable("open", 7))
    units_opened = []

    def unit_of_work():  # type: ignore[no-untyped-def]
        units_opened.append(uow)
        return uow

    with pytest.raises(GiftShopUnavailable) as refused:
        await exchange_reward(ExchangeReward("alice", "r-1", "gift-potion"), unit_of_work, gifts)
    assert refused.value.retry_after_s == 7 and gifts.calls == 0
    assert units_opened == []
    assert entry.status is EntryStatus.AVAILABLE


async def test_the_first_look_at_the_entry_reads_without_a_transaction(uow, entry):
    class Reads:
        """The read side: a look, no transaction to open or commit."""

        opened = 0

        def __init__(self) -> None:
            self.wallet = uow.wallet

        async def __aenter__(self) -> Reads:
            Reads.opened += 1
            return self

        async def __aexit__(self, *exc: object) -> None:
            return None

    writes = []

    def write_uow():  # type: ignore[no-untyped-def]
        writes.append(1)
        return uow

    result = await exchange_reward(
        ExchangeReward("alice", "r-1", "gift-potion"), write_uow, FakeGifts(), Reads
    )
    assert result.status is EntryStatus.EXCHANGED
    assert Reads.opened == 1 and len(writes) == 1  # one look, one writing transaction
