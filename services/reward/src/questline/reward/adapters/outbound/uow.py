"""The reward units of work (one that writes, one that only reads) and the domain →
contract event mapping."""

from __future__ import annotations

from collections.abc import Sequence

from questline.contracts import events as contract
from questline.reward.adapters.outbound.repositories import SqlRewardRepository
from questline.reward.domain.events import RewardEvent, RewardIssued, RewardMarkedExchanged
from questline.service_kit.db import Connection
from questline.service_kit.uow import SqlReads, SqlUnitOfWork


def to_contract(event: RewardEvent) -> contract.EventData:
    match event:
        case RewardIssued():
            return contract.RewardIssued(
                reward_id=event.reward_id,
                mission_id=event.mission_id,
                customer_id=event.customer_id,
                points=event.points,
                issued_at=event.issued_at,
            )
        case RewardMarkedExchanged():
            return contract.RewardMarkedExchanged(
                reward_id=event.reward_id,
                customer_id=event.customer_id,
                gift_id=event.gift_id,
                exchanged_at=event.exchanged_at,
            )


class SqlRewardUnitOfWork(SqlUnitOfWork):
    rewards: SqlRewardRepository

    def _bind(self, conn: Connection) -> None:
        self.rewards = SqlRewardRepository(conn)

    def publish(self, events: Sequence[RewardEvent], causation_id: str | None = None) -> None:
        self.stage((to_contract(e) for e in events), causation_id)


class SqlRewardReads(SqlReads):
    """A read-only unit of work on an autocommit connection: a query is one statement,
    so a transaction would only add its BEGIN and ROLLBACK round trips."""

    rewards: SqlRewardRepository

    def _bind(self, conn: Connection) -> None:
        self.rewards = SqlRewardRepository(conn)
