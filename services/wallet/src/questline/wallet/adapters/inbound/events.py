"""Events the wallet service reacts to: topic → use case."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from questline.contracts import events as contract
from questline.contracts.topics import GIFT_EVENTS, REWARD_EVENTS
from questline.service_kit.envelope import IncomingEvent
from questline.service_kit.inbox import Apply
from questline.service_kit.logs import log_context
from questline.wallet.adapters.outbound.uow import SqlWalletUnitOfWork
from questline.wallet.application.deposit_reward import DepositReward, deposit_rewards
from questline.wallet.application.heal_exchange import HealExchange, heal_exchange
from questline.wallet.application.ports import Clock

TOPICS = (REWARD_EVENTS, GIFT_EVENTS)
HANDLED_TYPES = (contract.RewardIssued.TYPE, contract.GiftExchanged.TYPE)


def make_apply(
    uow_on: Callable[[AsyncConnection, str], SqlWalletUnitOfWork],
    clock: Clock,
) -> Apply:
    async def apply(conn: AsyncConnection, events: Sequence[IncomingEvent]) -> None:
        # The hot path, every issued reward of the batch at once.
        issued = [
            (
                DepositReward(
                    e.data.reward_id, e.data.customer_id, e.data.mission_id, e.data.points
                ),
                e.id,
            )
            for e in events
            if isinstance(e.data, contract.RewardIssued)
        ]
        if issued:
            await deposit_rewards(issued, uow_on(conn, events[0].id), clock)
        for event in events:
            with log_context(correlationid=event.correlation_id, causationid=event.id):
                data = event.data
                if isinstance(data, contract.GiftExchanged):
                    heal = HealExchange(
                        data.reward_id, data.gift_id, data.exchange_id, data.exchanged_at
                    )
                    await heal_exchange(heal, uow_on(conn, event.id))

    return apply
