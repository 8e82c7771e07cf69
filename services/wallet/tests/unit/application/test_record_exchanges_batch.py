"""The step after gift answered, for many concurrent exchanges at once (group commit):
one transaction, one locked read, one save, and yet each request keeps its own outcome
and its own cause, exactly as if the requests had come one by one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from questline.wallet.application.exchange_reward import (
    ExchangeReward,
    RecordExchange,
    record_exchange,
    record_exchanges,
)
from questline.wallet.application.ports import GiftExchange
from questline.wallet.domain.errors import RewardAlreadyExchanged, RewardNotInWallet
from questline.wallet.domain.events import RewardExchanged
from questline.wallet.domain.wallet import EntryStatus, WalletReward

AT = datetime(2025, 5, 1, 12, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def entries(uow: Any) -> None:
    for reward_id, customer in [("r-1", "alice"), ("r-2", "bob"), ("r-3", "alice")]:
        uow.wallet.rows[reward_id] = WalletReward(reward_id, customer, f"m-{reward_id}", 50, AT)


def answered(
    reward_id: str, customer: str = "alice", asked: str = "gift-potion", made: str | None = None
) -> RecordExchange:
    """Gift's answer to a request: the exchange of the gift asked, unless told otherwise."""
    return RecordExchange(
        ExchangeReward(customer, reward_id, asked),
        GiftExchange(f"x-{reward_id}", made or asked, AT),
    )


def status(uow: Any, reward_id: str) -> tuple[EntryStatus, str | None, str | None]:
    entry: WalletReward = uow.wallet.rows[reward_id]
    return entry.status, entry.gift_id, entry.exchange_id


async def test_a_batch_records_every_exchange_with_one_lock_and_one_save_in_one_transaction(
    uow: Any,
) -> None:
    outcomes = await record_exchanges(
        [(answered("r-3"), "req-a"), (answered("r-2", "bob"), "req-b")], uow
    )

    assert [(o.reward_id, o.status, o.exchange_id) for o in outcomes] == [
        ("r-3", EntryStatus.EXCHANGED, "x-r-3"),
        ("r-2", EntryStatus.EXCHANGED, "x-r-2"),
    ]
    assert status(uow, "r-3") == (EntryStatus.EXCHANGED, "gift-potion", "x-r-3")
    assert status(uow, "r-2") == (EntryStatus.EXCHANGED, "gift-potion", "x-r-2")
    assert status(uow, "r-1") == (EntryStatus.AVAILABLE, None, None)
    assert uow.transactions == 1
    assert uow.wallet.statements == ["lock_many", "save_many"]
    assert uow.wallet.locks == ["r-2", "r-3"]  # in reward id order, not arrival order


async def test_each_requests_reward_exchanged_leaves_with_that_requests_cause(uow: Any) -> None:
    await record_exchanges([(answered("r-3"), "req-a"), (answered("r-1"), "req-b")], uow)

    assert list(zip(uow.published, uow.causes, strict=True)) == [
        (RewardExchanged("alice", "r-3", "gift-potion", "x-r-3", AT), "req-a"),
        (RewardExchanged("alice", "r-1", "gift-potion", "x-r-1", AT), "req-b"),
    ]


async def test_the_same_reward_twice_in_a_batch_is_exchanged_once_and_both_get_that_exchange(
    uow: Any,
) -> None:
    """A double tap: both requests passed the first look, gift answered both alike."""
    first, again = await record_exchanges(
        [(answered("r-1"), "req-a"), (answered("r-1"), "req-b")], uow
    )

    assert isinstance(first, WalletReward) and isinstance(again, WalletReward)
    assert first.exchange_id == again.exchange_id == "x-r-1"
    assert uow.causes == ["req-a"]
    assert uow.wallet.locks == ["r-1"]


async def test_a_reward_not_in_the_wallet_refuses_only_its_own_request(uow: Any) -> None:
    missing, elses, mine = await record_exchanges(
        [
            (answered("r-404"), "req-a"),
            (answered("r-2", "mallory"), "req-b"),
            (answered("r-1"), "req-c"),
        ],
        uow,
    )

    assert isinstance(missing, RewardNotInWallet) and isinstance(elses, RewardNotInWallet)
    assert isinstance(mine, WalletReward) and mine.status is EntryStatus.EXCHANGED
    assert status(uow, "r-2") == (EntryStatus.AVAILABLE, None, None)
    assert uow.causes == ["req-c"]


async def test_gift_keeping_another_gift_refuses_that_request_but_the_wallet_shows_gifts_exchange(
    uow: Any,
) -> None:
    kept, neighbour = await record_exchanges(
        [
            (answered("r-1", asked="gift-skin", made="gift-potion"), "req-a"),
            (answered("r-3"), "req-b"),
        ],
        uow,
    )

    assert isinstance(kept, RewardAlreadyExchanged) and kept.gift_id == "gift-potion"
    assert isinstance(neighbour, WalletReward)
    assert status(uow, "r-1") == (EntryStatus.EXCHANGED, "gift-potion", "x-r-1")
    assert [(e.reward_id, e.gift_id) for e in uow.published] == [
        ("r-1", "gift-potion"),
        ("r-3", "gift-potion"),
    ]


async def test_an_entry_showing_another_exchange_refuses_the_request_and_stays_as_it_was(
    uow: Any,
) -> None:
    await record_exchange(answered("r-1"), uow)
    uow.wallet.statements.clear()
    other = RecordExchange(
        ExchangeReward("alice", "r-1", "gift-skin"), GiftExchange("x-other", "gift-skin", AT)
    )

    [refused] = await record_exchanges([(other, "req-b")], uow)

    assert isinstance(refused, RewardAlreadyExchanged) and refused.gift_id == "gift-potion"
    assert status(uow, "r-1") == (EntryStatus.EXCHANGED, "gift-potion", "x-r-1")
    assert len(uow.published) == 1


async def test_a_batch_of_refusals_and_replays_only_writes_nothing(uow: Any) -> None:
    await record_exchange(answered("r-1"), uow)
    uow.wallet.statements.clear()
    published = list(uow.published)

    outcomes = await record_exchanges(
        [(answered("r-1"), "req-a"), (answered("r-404"), "req-b")], uow
    )

    assert [type(o) for o in outcomes] == [WalletReward, RewardNotInWallet]
    assert uow.wallet.statements == ["lock_many"]
    assert uow.published == published


async def test_recording_one_exchange_alone_raises_its_refusal(uow: Any) -> None:
    with pytest.raises(RewardNotInWallet):
        await record_exchange(answered("r-404"), uow)

    assert uow.published == []
