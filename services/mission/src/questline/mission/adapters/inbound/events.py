"""Events the mission service reacts to: topic → use case."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from questline.contracts import events as contract
from questline.contracts.topics import REWARD_EVENTS
from questline.mission.adapters.outbound.uow import SqlMissionUnitOfWork
from questline.mission.application.link_reward import LinkReward, link_rewards
from questline.service_kit.envelope import IncomingEvent
from questline.service_kit.inbox import Apply

TOPICS = (REWARD_EVENTS,)
HANDLED_TYPES = (contract.RewardIssued.TYPE,)


def make_apply(
    uow_on: Callable[[AsyncConnection, str], SqlMissionUnitOfWork],
) -> Apply:
    async def apply(conn: AsyncConnection, events: Sequence[IncomingEvent]) -> None:
        issued = [
            (LinkReward(e.data.mission_id, e.data.reward_id), e.id)
            for e in events
            if isinstance(e.data, contract.RewardIssued)
        ]
        if issued:
            await link_rewards(issued, uow_on(conn, events[0].id))

    return apply
