"""Events the mission service reacts to, declared once: contract model → handler."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from questline.contracts import events as contract
from questline.mission.application.link_reward import LinkReward, link_rewards
from questline.mission.application.ports import UnitOfWork
from questline.service_kit.db import Connection
from questline.service_kit.envelope import IncomingEvent
from questline.service_kit.inbox import EventHandlers

UowOn = Callable[[Connection, str], UnitOfWork]
"""A unit of work bound to the inbox batch's transaction, caused by the given event."""


def handlers(uow_on: UowOn) -> EventHandlers:
    async def on_reward_issued(conn: Connection, events: Sequence[IncomingEvent]) -> None:
        issued = [
            (LinkReward(e.data.mission_id, e.data.reward_id), e.id)
            for e in events
            if isinstance(e.data, contract.RewardIssued)
        ]
        if issued:
            await link_rewards(issued, uow_on(conn, events[0].id))

    return {contract.RewardIssued: on_reward_issued}
