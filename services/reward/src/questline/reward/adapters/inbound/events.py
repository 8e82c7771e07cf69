"""Events the reward service reacts to: topic → use case."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from questline.contracts import events as contract
from questline.contracts.topics import MISSION_EVENTS, WALLET_EVENTS
from questline.reward.adapters.outbound.uow import SqlRewardUnitOfWork
from questline.reward.application.issue_reward import IssueReward, issue_reward
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
        for event in events:
            with log_context(correlationid=event.correlation_id, causationid=event.id):
                data = event.data
                uow = uow_on(conn, event.id)
                if isinstance(data, contract.MissionAchieved):
                    command = IssueReward(data.mission_id, data.customer_id, data.points)
                    await issue_reward(command, uow, clock, new_id)
                elif isinstance(data, contract.RewardExchanged):
                    await mark_exchanged(
                        MarkExchanged(data.reward_id, data.gift_id, data.exchanged_at), uow
                    )

    return apply
