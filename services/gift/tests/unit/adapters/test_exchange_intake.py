"""The intake's promises: concurrent requests for one gift share a transaction, each
keeps its own outcome, and one request that breaks the shared transaction fails alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from questline.gift.adapters.inbound.intake import Batch, ExchangeIntake
from questline.gift.application.exchange_gift import (
    ExchangeGift,
    ExchangeRecorded,
    Outcome,
    exchange_gifts,
)
from questline.gift.domain.errors import OutOfStock
from questline.gift.domain.gift import Gift

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def gifts(uow: Any) -> list[str]:
    for gift_id, stock in [("mount", 3), ("skin", 10)]:
        uow.gifts.rows[gift_id] = Gift(gift_id, gift_id.title(), stock, NOW, stock)
    return ["mount", "skin"]


def recorder(uow: Any, clock: Any, new_id: Any, batches: list[Batch]) -> Any:
    async def run(batch: Batch) -> list[Outcome]:
        batches.append(batch)
        return await exchange_gifts(batch, uow, clock, new_id)

    return run


async def test_concurrent_requests_for_one_gift_share_a_transaction(
    uow: Any, clock: Any, new_id: Any, gifts: list[str]
) -> None:
    batches: list[Batch] = []
    intake = ExchangeIntake(recorder(uow, clock, new_id, batches))

    results = await asyncio.gather(
        *(intake.submit(ExchangeGift(f"r-{n}", "alice", "skin"), f"req-{n}") for n in range(6))
    )

    assert [r.exchange.stock_left for r in results] == [9, 8, 7, 6, 5, 4]
    assert [len(b) for b in batches] == [6]
    assert uow.causes == [f"req-{n}" for n in range(6) for _ in range(2)]


async def test_each_gift_has_its_own_batches(
    uow: Any, clock: Any, new_id: Any, gifts: list[str]
) -> None:
    batches: list[Batch] = []
    intake = ExchangeIntake(recorder(uow, clock, new_id, batches))

    await asyncio.gather(
        *(intake.submit(ExchangeGift(f"r-{n}", "alice", gifts[n % 2]), None) for n in range(6))
    )

    assert sorted([c.gift_id for c, _ in b] for b in batches) == [["mount"] * 3, ["skin"] * 3]


async def test_a_refused_request_never_fails_its_neighbours(
    uow: Any, clock: Any, new_id: Any, gifts: list[str]
) -> None:
    intake = ExchangeIntake(recorder(uow, clock, new_id, []))

    results = await asyncio.gather(
        *(intake.submit(ExchangeGift(f"r-{n}", "alice", "mount"), None) for n in range(5)),
        return_exceptions=True,
    )

    assert [type(r) for r in results] == [ExchangeRecorded] * 3 + [OutOfStock] * 2


async def test_a_request_that_breaks_the_batch_fails_alone(
    uow: Any, clock: Any, new_id: Any, gifts: list[str]
) -> None:
    batches: list[Batch] = []
    run = recorder(uow, clock, new_id, batches)

    async def breaking(batch: Batch) -> list[Outcome]:
        if any(command.reward_id == "breaker" for command, _ in batch):
            raise ValueError("the database refused a value")  # not transient
        return await run(batch)

    intake = ExchangeIntake(breaking)
    results = await asyncio.gather(
        *(intake.submit(ExchangeGift(f"r-{n}", "alice", "skin"), None) for n in range(5)),
        intake.submit(ExchangeGift("breaker", "alice", "skin"), None),
        return_exceptions=True,
    )

    assert all(isinstance(r, ExchangeRecorded) for r in results[:5])
    assert isinstance(results[5], ValueError)
    assert len(uow.exchanges.rows) == 5
    assert [len(b) for b in batches] == [1] * 5  # re-run one by one


async def test_a_transient_failure_is_reported_to_every_request_of_the_batch(
    uow: Any, gifts: list[str]
) -> None:
    async def run(batch: Batch) -> list[Outcome]:
        raise ConnectionError("database down")

    intake = ExchangeIntake(run)
    results = await asyncio.gather(
        *(intake.submit(ExchangeGift(f"r-{n}", "alice", "skin"), None) for n in range(3)),
        return_exceptions=True,
    )

    assert all(isinstance(r, ConnectionError) for r in results)
    with pytest.raises(ConnectionError):
        await intake.submit(ExchangeGift("late", "alice", "skin"), None)


async def test_requests_beyond_the_batch_size_wait_for_the_next_batch(
    uow: Any, clock: Any, new_id: Any, gifts: list[str]
) -> None:
    batches: list[Batch] = []
    intake = ExchangeIntake(recorder(uow, clock, new_id, batches), max_batch=4)

    await asyncio.gather(
        *(intake.submit(ExchangeGift(f"r-{n}", "alice", "skin"), None) for n in range(10))
    )

    assert [len(b) for b in batches] == [4, 4, 2]
