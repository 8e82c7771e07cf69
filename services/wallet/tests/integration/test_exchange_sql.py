"""Exchanging through the real SQL unit of work: the entry is locked, marked and saved
with its gift and exchange, once; a GiftExchanged event heals an entry the same way."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from questline.contracts import events as contract
from questline.service_kit.db import Database
from questline.service_kit.envelope import IncomingEvent
from questline.wallet.adapters.inbound import events
from questline.wallet.application.deposit_reward import DepositReward, deposit_reward
from questline.wallet.application.exchange_reward import ExchangeReward, exchange_reward
from questline.wallet.application.ports import GiftExchange

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


def gift_exchanged(event_id: str, reward_id: str) -> IncomingEvent:
    data = contract.GiftExchanged(
        exchange_id=f"x-{reward_id}",
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
    owned_uow: Any, clock: Any, db: Any
) -> None:
    await deposit_reward(DepositReward("rw-1", "alice", "ach-1", 50), owned_uow(), clock)
    gifts = Gifts()
    command = ExchangeReward("alice", "rw-1", "gift-potion")

    entry = await exchange_reward(command, owned_uow, gifts)
    again = await exchange_reward(command, owned_uow, gifts)

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
