"""Events the wallet service reacts to, declared once: contract model → handler, causes
before their effects (a reward is deposited before it can be exchanged)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from questline.contracts import events as contract
from questline.service_kit.db import Connection
from questline.service_kit.envelope import IncomingEvent
from questline.service_kit.inbox import EventHandlers
from questline.wallet.application.deposit_reward import DepositReward, deposit_rewards
from questline.wallet.application.heal_exchange import HealExchange, heal_exchanges
from questline.wallet.application.ports import Clock, UnitOfWork

UowOn = Callable[[Connection, str], UnitOfWork]
"""A unit of work bound to the batch's transaction, caused by the given event id."""


def handlers(uow_on: UowOn, clock: Clock) -> EventHandlers:
    async def deposit(conn: Connection, events: Sequence[IncomingEvent]) -> None:
        # The hot path: every issued reward of the batch in one insert.
        commands = [
            (
                DepositReward(
                    e.data.reward_id, e.data.customer_id, e.data.mission_id, e.data.points
                ),
                e.id,
            )
            for e in events
            if isinstance(e.data, contract.RewardIssued)
        ]
        await deposit_rewards(commands, uow_on(conn, events[0].id), clock)

    async def heal(conn: Connection, events: Sequence[IncomingEvent]) -> None:
        # Set-wise, as deposits: one locked read and one save for the whole batch.
        commands = [
            (
                HealExchange(
                    e.data.reward_id, e.data.gift_id, e.data.exchange_id, e.data.exchanged_at
                ),
                e.id,
            )
            for e in events
            if isinstance(e.data, contract.GiftExchanged)
        ]
        await heal_exchanges(commands, uow_on(conn, events[0].id))

    return {contract.RewardIssued: deposit, contract.GiftExchanged: heal}
