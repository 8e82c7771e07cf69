"""Exchanging through the real SQL unit of work: the entries are locked, marked and saved
with their gift and exchange, once, many requests in one transaction (group commit) each
with its own cause; GiftExchanged events heal entries the same way, a batch at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from questline.contracts import events as contract
from questline.service_kit.db import Database
from questline.service_kit.envelope import IncomingEvent
from questline.wallet.adapters.inbound import events
from questline.wallet.adapters.inbound.intake import ExchangeIntake
from questline.wallet.application.deposit_reward import DepositReward, deposit_reward
from questline.wallet.application.exchange_reward import (
    ExchangeReward,
    RecordExchange,
    exchange_reward,
    record_exchange,
    record_exchanges,
)
from questline.wallet.application.ports import GiftExchange
from questline.wallet.domain.errors import RewardNotInWallet

from .conftest import deposited

pytestmark = pytest.mark.integration

AT = datetime(2025, 5, 1, 12, 30, tzinfo=UTC)


class Gifts:
    """Gift as wallet sees it when it answers: one exchange per reward."""

    def __init__(self) -> None:
        self.calls = 0

    async def unavailable_for(self) -> int | None:
        return None

    async def exchange(self, reward_id: str, customer_id: str, gift_id: str) -> GiftExchange:
        self.calls += 1
        return GiftExchange(f"x-{reward_id}", gift_id, AT)


def gift_exchanged(event_id: str, reward_id: str, exchange_id: str | None = None) -> IncomingEvent:
    data = contract.GiftExchanged(
        exchange_id=exchange_id or f"x-{reward_id}",
        gift_id="gift-potion",
        reward_id=reward_id,
        customer_id="alice",
        stock_left=9,
        exchanged_at=AT,
    )
    return IncomingEvent(
        id=event_id,
        type=data.TYPE,
        source="/questline/gift",
        time=None,
        correlation_id=reward_id,
        causation_id=None,
        data=data,
        topic=data.TOPIC,
        partition=0,
        offset=0,
    )


EXCHANGED = {
    "status": "EXCHANGED",
    "gift_id": "gift-potion",
    "exchange_id": "x-rw-1",
    "exchanged_at": AT,
}


async def test_an_exchange_marks_the_entry_and_publishes_reward_exchanged(
    owned_uow: Any, reads: Any, clock: Any, db: Any
) -> None:
    await deposit_reward(DepositReward("rw-1", "alice", "ach-1", 50), owned_uow(), clock)
    gifts = Gifts()
    command = ExchangeReward("alice", "rw-1", "gift-potion")

    def record(step: RecordExchange) -> Any:
        return record_exchange(step, owned_uow())

    entry = await exchange_reward(command, gifts, reads, record)
    again = await exchange_reward(command, gifts, reads, record)

    assert (entry.exchange_id, again.exchange_id, gifts.calls) == ("x-rw-1", "x-rw-1", 1)
    [row] = await db.entries()
    assert {k: row[k] for k in EXCHANGED} == EXCHANGED
    [_, event] = await db.outbox()
    assert (event["type"], event["key"]) == ("questline.wallet.reward-exchanged.v1", "alice")
    assert event["data"] == {
        "customerId": "alice",
        "rewardId": "rw-1",
        "giftId": "gift-potion",
        "exchangeId": "x-rw-1",
        "exchangedAt": "2025-05-01T12:30:00Z",
    }


async def test_a_gift_exchanged_event_heals_an_available_entry_once(
    database: Database, owned_uow: Any, uow_on: Any, clock: Any, db: Any
) -> None:
    await deposit_reward(DepositReward("rw-1", "alice", "ach-1", 50), owned_uow(), clock)
    heal = events.handlers(uow_on, clock)[contract.GiftExchanged]

    for event_id in ("ev-1", "ev-2"):  # the event, then a re-published copy of it
        async with database.transaction() as conn:
            await heal(conn, [gift_exchanged(event_id, "rw-1")])

    [row] = await db.entries()
    assert {k: row[k] for k in EXCHANGED} == EXCHANGED
    assert [(e["type"], e["causationid"]) for e in await db.outbox()] == [
        ("questline.wallet.reward-deposited.v1", None),
        ("questline.wallet.reward-exchanged.v1", "ev-1"),
    ]


def answered(reward_id: str) -> RecordExchange:
    return RecordExchange(
        ExchangeReward("alice", reward_id, "gift-potion"),
        GiftExchange(f"x-{reward_id}", "gift-potion", AT),
    )


async def exchange_rows(engine: AsyncEngine) -> dict[str, tuple[str, str]]:
    """reward id → (status, the transaction that last wrote the row)."""
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT reward_id, status, xmin::text FROM wallet_rewards"))
        return {r[0]: (r[1], r[2]) for r in rows}


async def test_concurrent_exchanges_are_recorded_in_one_transaction_each_with_its_cause(
    owned_uow: Any, clock: Any, db: Any, engine: AsyncEngine
) -> None:
    rewards = [f"rw-{n}" for n in range(8)]
    await deposited(owned_uow, clock, *rewards)
    intake = ExchangeIntake(lambda batch: record_exchanges(batch, owned_uow()))

    entries = await asyncio.gather(
        *(intake.submit(answered(r), f"req-{r}") for r in reversed(rewards))
    )

    assert [e.exchange_id for e in entries] == [f"x-{r}" for r in reversed(rewards)]
    rows = await exchange_rows(engine)
    assert {status for status, _ in rows.values()} == {"EXCHANGED"}
    assert len({tx for _, tx in rows.values()}) == 1
    exchanged = [e for e in await db.outbox() if e["type"].endswith("reward-exchanged.v1")]
    assert sorted((e["data"]["rewardId"], e["causationid"]) for e in exchanged) == [
        (r, f"req-{r}") for r in rewards
    ]


async def test_a_batch_with_a_double_tap_and_a_stranger_records_each_exchange_once(
    owned_uow: Any, clock: Any, db: Any
) -> None:
    await deposited(owned_uow, clock, "rw-1", "rw-2")

    outcomes = await record_exchanges(
        [
            (answered("rw-2"), "req-a"),
            (answered("rw-404"), "req-b"),
            (answered("rw-2"), "req-c"),
            (answered("rw-1"), "req-d"),
        ],
        owned_uow(),
    )

    assert [getattr(o, "exchange_id", type(o).__name__) for o in outcomes] == [
        "x-rw-2",
        "RewardNotInWallet",
        "x-rw-2",
        "x-rw-1",
    ]
    assert [(r["reward_id"], r["exchange_id"]) for r in await db.entries()] == [
        ("rw-1", "x-rw-1"),
        ("rw-2", "x-rw-2"),
    ]
    exchanged = [e for e in await db.outbox() if e["type"].endswith("reward-exchanged.v1")]
    assert [(e["data"]["rewardId"], e["causationid"]) for e in exchanged] == [
        ("rw-2", "req-a"),
        ("rw-1", "req-d"),
    ]


async def test_a_batch_of_gift_exchanged_events_heals_each_entry_once_with_its_own_cause(
    database: Database, owned_uow: Any, uow_on: Any, clock: Any, db: Any
) -> None:
    await deposited(owned_uow, clock, "rw-1", "rw-2", "rw-3")
    heal = events.handlers(uow_on, clock)[contract.GiftExchanged]
    batch = [
        gift_exchanged("ev-1", "rw-3"),
        gift_exchanged("ev-2", "rw-1"),
        gift_exchanged("ev-3", "rw-3"),  # a re-published copy
    ]

    async with database.transaction() as conn:
        await heal(conn, batch)

    assert [(r["reward_id"], r["status"]) for r in await db.entries()] == [
        ("rw-1", "EXCHANGED"),
        ("rw-2", "AVAILABLE"),
        ("rw-3", "EXCHANGED"),
    ]
    exchanged = [e for e in await db.outbox() if e["type"].endswith("reward-exchanged.v1")]
    assert [(e["data"]["rewardId"], e["causationid"]) for e in exchanged] == [
        ("rw-3", "ev-1"),
        ("rw-1", "ev-2"),
    ]


async def test_a_gift_exchanged_the_wallet_cannot_apply_fails_its_batch_and_changes_nothing(
    database: Database, owned_uow: Any, uow_on: Any, clock: Any, db: Any
) -> None:
    await deposited(owned_uow, clock, "rw-1", "rw-2")
    heal = events.handlers(uow_on, clock)[contract.GiftExchanged]

    with pytest.raises(RewardNotInWallet):
        async with database.transaction() as conn:
            await heal(conn, [gift_exchanged("ev-1", "rw-1"), gift_exchanged("ev-2", "rw-404")])

    assert {r["status"] for r in await db.entries()} == {"AVAILABLE"}
    assert [e["type"] for e in await db.outbox()] == ["questline.wallet.reward-deposited.v1"] * 2
