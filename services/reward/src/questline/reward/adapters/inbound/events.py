"""Events the reward service reacts to: topic → use case."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from questline.contracts import events as contract
from questline.contracts.topics import MISSION_EVENTS, WALLET_EVENTS
from questline.reward.adapters.outbound.uow import SqlRewardUnitOfWork
from questline.reward.application.issue_reward import IssueReward, issue_rewards
from questline.reward.application.mark_exchanged import MarkExchanged, mark_exchanged
from questline.reward.application.ports import Clock, IdGenerator
from questline.service_kit.envelope import IncomingEvent
from questline.service_kit.inbox import Apply
from questline.service_kit.logs import log_context

TOPICS = (MISSION_EVENTS, WALLET_EVENTS)
HANDLED_TYPES = (contract.MissionAchieved.TYPE, contract.RewardExchanged.TYPE)


def make_apply(
    uow_on: Callable[[AsyncConnection, str], SqlRewardUnitOfWork],
    clock: Clock,
    new_id: IdGenerator,
) -> Apply:
    async def apply(conn: AsyncConnection, events: Sequence[IncomingEvent]) -> None:
        # The hot path, all achievements of the batch at once.
        achieved = [
            (IssueReward(e.data.mission_id, e.data.customer_id, e.data.points), e.id)
            for e in events
            if isinstance(e.data, contract.MissionAchieved)
        ]
        if achieved:
            await issue_rewards(achieved, uow_on(conn, events[0].id), clock, new_id)
        for event in events:
            with log_context(correlationid=event.correlation_id, causationid=event.id):
                data = event.data
                uow = uow_on(conn, event.id)
                if isinstance(data, contract.RewardExchanged):
                    await mark_exchanged(
                        MarkExchanged(data.reward_id, data.gift_id, data.exchanged_at), uow
                    )

    return apply
