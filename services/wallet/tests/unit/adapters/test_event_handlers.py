"""The consumed events, declared once: what wallet subscribes to and in which order a
batch's handlers run."""

from __future__ import annotations

from datetime import UTC, datetime

from questline.contracts import events as contract
from questline.contracts.topics import GIFT_EVENTS, REWARD_EVENTS
from questline.service_kit.inbox import EventHandlers, topics_of
from questline.wallet.adapters.inbound import events
from questline.wallet.application.ports import UnitOfWork


def declared() -> EventHandlers:
    def unit_of_work(conn: object, cause: str) -> UnitOfWork:
        raise AssertionError("declaring the handlers opens no unit of work")

    return events.handlers(unit_of_work, lambda: datetime.now(UTC))


def test_wallet_subscribes_to_reward_and_gift_events() -> None:
    assert topics_of(declared()) == sorted([REWARD_EVENTS, GIFT_EVENTS])


def test_a_batch_deposits_its_rewards_before_it_heals_exchanges() -> None:
    assert list(declared()) == [contract.RewardIssued, contract.GiftExchanged]
