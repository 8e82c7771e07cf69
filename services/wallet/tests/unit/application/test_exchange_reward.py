"""ExchangeReward with in-memory ports: what the player gets for each answer of gift."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from questline.wallet.application.exchange_reward import (
    ExchangeReward,
    RecordExchange,
    exchange_reward,
    record_exchange,
)
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


class Reads:
    """The read side over the same rows: a look, no transaction to open or commit."""

    def __init__(self, uow: Any) -> None:
        self.wallet = uow.wallet
        self.opened = 0

    def __call__(self) -> Reads:
        self.opened += 1
        return self

    async def __aenter__(self) -> Reads:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


def exchange(command: ExchangeReward, uow: Any, gifts: FakeGifts) -> Any:
    """The command as one request alone runs it: a look, gift, a transaction of its own."""
    return exchange_reward(command, gifts, Reads(uow), lambda step: record_exchange(step, uow))


@pytest.fixture
def entry(uow: Any) -> WalletReward:
    reward = WalletReward("r-1", "alice", "m-1", 50, AT)
    uow.wallet.rows[reward.reward_id] = reward
    return reward


def stored(uow: Any) -> WalletReward:
    """The entry as the wallet holds it now."""
    entry: WalletReward = uow.wallet.rows["r-1"]
    return entry


async def test_an_available_reward_is_exchanged_and_the_exchange_published(
    uow: Any, entry: WalletReward
) -> None:
    result = await exchange(ExchangeReward("alice", "r-1", "gift-potion"), uow, FakeGifts())

    assert result.status is EntryStatus.EXCHANGED and result.gift_id == "gift-potion"
    assert result.exchange_id == "x-r-1"
    assert stored(uow) == result
    assert uow.published == [RewardExchanged("alice", "r-1", "gift-potion", "x-r-1", AT)]


async def test_a_retry_of_a_finished_exchange_returns_it_without_calling_gift(
    uow: Any, entry: WalletReward
) -> None:
    gifts = FakeGifts()
    command = ExchangeReward("alice", "r-1", "gift-potion")

    first = await exchange(command, uow, gifts)
    again = await exchange(command, uow, gifts)

    assert again.exchange_id == first.exchange_id
    assert gifts.calls == 1 and len(uow.published) == 1


async def test_another_gift_for_an_exchanged_reward_is_refused(
    uow: Any, entry: WalletReward
) -> None:
    gifts = FakeGifts()
    await exchange(ExchangeReward("alice", "r-1", "gift-potion"), uow, gifts)

    with pytest.raises(RewardAlreadyExchanged):
        await exchange(ExchangeReward("alice", "r-1", "gift-skin"), uow, gifts)
    assert gifts.calls == 1


async def test_someone_elses_reward_is_not_found(uow: Any, entry: WalletReward) -> None:
    gifts = FakeGifts()

    with pytest.raises(RewardNotInWallet):
        await exchange(ExchangeReward("mallory", "r-1", "gift-potion"), uow, gifts)
    assert gifts.calls == 0


@pytest.mark.parametrize("failure", [GiftShopUnavailable("timeout", 3), OutOfStock("gift-mount")])
async def test_when_gift_does_not_exchange_the_reward_stays_available(
    uow: Any, entry: WalletReward, failure: Exception
) -> None:
    with pytest.raises(type(failure)):
        await exchange(ExchangeReward("alice", "r-1", "gift-mount"), uow, FakeGifts(fail=failure))

    assert stored(uow).status is EntryStatus.AVAILABLE and uow.published == []
    assert uow.transactions == 0


async def test_gift_keeping_an_earlier_exchange_makes_the_wallet_show_that_one(
    uow: Any, entry: WalletReward
) -> None:
    """After a timeout the player picked another gift; gift had already made the first."""
    gifts = FakeGifts()
    gifts.made["r-1"] = GiftExchange("x-first", "gift-potion", AT)

    with pytest.raises(RewardAlreadyExchanged) as refused:
        await exchange(ExchangeReward("alice", "r-1", "gift-skin"), uow, gifts)

    assert refused.value.gift_id == "gift-potion"
    assert (stored(uow).status, stored(uow).gift_id) == (EntryStatus.EXCHANGED, "gift-potion")
    assert stored(uow).exchange_id == "x-first"
    assert uow.published == [RewardExchanged("alice", "r-1", "gift-potion", "x-first", AT)]


async def test_an_open_circuit_answers_at_once_without_calling_gift_or_the_database(
    uow: Any, entry: WalletReward
) -> None:
    gifts = FakeGifts(fail=GiftShopUnavailable("open", 7))
    reads = Reads(uow)
    recorded: list[RecordExchange] = []

    async def record(step: RecordExchange) -> WalletReward:
        recorded.append(step)
        return await record_exchange(step, uow)

    with pytest.raises(GiftShopUnavailable) as refused:
        await exchange_reward(ExchangeReward("alice", "r-1", "gift-potion"), gifts, reads, record)

    assert refused.value.retry_after_s == 7 and gifts.calls == 0
    assert (reads.opened, recorded, uow.wallet.statements) == (0, [], [])
    assert stored(uow).status is EntryStatus.AVAILABLE


async def test_the_first_look_reads_without_a_transaction_and_one_records_gifts_answer(
    uow: Any, entry: WalletReward
) -> None:
    reads = Reads(uow)
    recorded: list[RecordExchange] = []

    async def record(step: RecordExchange) -> WalletReward:
        recorded.append(step)
        return await record_exchange(step, uow)

    command = ExchangeReward("alice", "r-1", "gift-potion")
    result = await exchange_reward(command, FakeGifts(), reads, record)

    assert result.status is EntryStatus.EXCHANGED
    assert recorded == [RecordExchange(command, GiftExchange("x-r-1", "gift-potion", AT))]
    assert (reads.opened, uow.transactions) == (1, 1)  # one look, one writing transaction
    assert uow.wallet.statements == ["get", "lock_many", "save_many"]
