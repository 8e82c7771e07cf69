"""Events the reward service reacts to, declared once: contract model → handler, causes
before their effects (a reward is issued before it can be exchanged)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from questline.contracts import events as contract
from questline.reward.application.issue_reward import IssueReward, issue_rewards
from questline.reward.application.mark_exchanged import MarkExchanged, mark_exchanged_many
from questline.reward.application.ports import Clock, IdGenerator, UnitOfWork
from questline.service_kit.db import Connection
from questline.service_kit.envelope import IncomingEvent
from questline.service_kit.inbox import EventHandlers

UowOn = Callable[[Connection, str], UnitOfWork]
"""A unit of work bound to the batch's transaction, caused by the given event id."""


def handlers(uow_on: UowOn, clock: Clock, new_id: IdGenerator) -> EventHandlers:
    async def issue(conn: Connection, events: Sequence[IncomingEvent]) -> None:
        # The hot path: all achievements of the batch in one insert.
        commands = [
            (IssueReward(e.data.mission_id, e.data.customer_id, e.data.points), e.id)
            for e in events
            if isinstance(e.data, contract.MissionAchieved)
        ]
        await issue_rewards(commands, uow_on(conn, events[0].id), clock, new_id)

    async def mark(conn: Connection, events: Sequence[IncomingEvent]) -> None:
        # All exchanges of the batch in one locking read and one update.
        commands = [
            (MarkExchanged(e.data.reward_id, e.data.gift_id, e.data.exchanged_at), e.id)
            for e in events
            if isinstance(e.data, contract.RewardExchanged)
        ]
        await mark_exchanged_many(commands, uow_on(conn, events[0].id))

    return {contract.MissionAchieved: issue, contract.RewardExchanged: mark}
