"""The exchange intake's promises: concurrent exchanges (any customers, any gifts) share
one transaction after gift answered, each keeps its own outcome and its own cause."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from questline.wallet.adapters.inbound.intake import Batch, ExchangeIntake
from questline.wallet.application.exchange_reward import (
    ExchangeReward,
    Outcome,
    RecordExchange,
    record_exchanges,
)
from questline.wallet.application.ports import GiftExchange
from questline.wallet.domain.errors import RewardNotInWallet
from questline.wallet.domain.wallet import EntryStatus, WalletReward

AT = datetime(2025, 5, 1, 12, 30, tzinfo=UTC)
CUSTOMERS = ["alice", "bob", "carol"]


@pytest.fixture(autouse=True)
def entries(uow: Any) -> None:
    for n in range(6):
        reward_id = f"r-{n}"
        uow.wallet.rows[reward_id] = WalletReward(reward_id, CUSTOMERS[n % 3], "m", 50, AT)


def answered(reward_id: str, customer: str, gift_id: str) -> RecordExchange:
    return RecordExchange(
        ExchangeReward(customer, reward_id, gift_id), GiftExchange(f"x-{reward_id}", gift_id, AT)
    )


def recorder(uow: Any, batches: list[Batch]) -> Any:
    async def run(batch: Batch) -> list[Outcome]:
        batches.append(batch)
        return await record_exchanges(batch, uow)

    return run


async def test_concurrent_exchanges_of_any_customer_and_gift_share_one_transaction(
    uow: Any,
) -> None:
    batches: list[Batch] = []
    intake = ExchangeIntake(recorder(uow, batches))

    results = await asyncio.gather(
        *(
            intake.submit(answered(f"r-{n}", CUSTOMERS[n % 3], f"gift-{n % 2}"), f"req-{n}")
            for n in range(6)
        )
    )

    assert [(r.reward_id, r.status, r.gift_id) for r in results] == [
        (f"r-{n}", EntryStatus.EXCHANGED, f"gift-{n % 2}") for n in range(6)
    ]
    assert [len(b) for b in batches] == [6]
    assert uow.transactions == 1
    assert uow.causes == [f"req-{n}" for n in range(6)]


async def test_a_refused_exchange_never_fails_its_neighbours(uow: Any) -> None:
    intake = ExchangeIntake(recorder(uow, []))

    results = await asyncio.gather(
        intake.submit(answered("r-0", "alice", "gift-0"), "req-0"),
        intake.submit(answered("r-404", "alice", "gift-0"), "req-404"),
        intake.submit(answered("r-1", "bob", "gift-0"), "req-1"),
        return_exceptions=True,
    )

    assert [type(r) for r in results] == [WalletReward, RewardNotInWallet, WalletReward]
    assert uow.causes == ["req-0", "req-1"]
