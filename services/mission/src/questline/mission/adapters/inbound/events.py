"""Events the mission service reacts to: topic → use case."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from questline.contracts import events as contract
from questline.contracts.topics import REWARD_EVENTS
from questline.mission.adapters.outbound.uow import SqlMissionUnitOfWork
from questline.mission.application.link_reward import LinkReward, link_reward
from questline.service_kit.envelope import IncomingEvent
from questline.service_kit.inbox import Apply
from questline.service_kit.logs import log_context

TOPICS = (REWARD_EVENTS,)
HANDLED_TYPES = (contract.RewardIssued.TYPE,)


def make_apply(
    uow_on: Callable[[AsyncConnection, str], SqlMissionUnitOfWork],
) -> Apply:
    async def apply(conn: AsyncConnection, events: Sequence[IncomingEvent]) -> None:
        for event in events:
            with log_context(correlationid=event.correlation_id, causationid=event.id):
                data = event.data
                if isinstance(data, contract.RewardIssued):
                    await link_reward(
                        LinkReward(data.mission_id, data.reward_id), uow_on(conn, event.id)
                    )

    return apply
