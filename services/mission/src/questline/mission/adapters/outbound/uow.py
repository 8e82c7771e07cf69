"""The mission unit of work: repositories on one connection, and domain events turned
into contract events for the outbox."""

from __future__ import annotations

from collections.abc import Sequence

from questline.contracts import events as contract
from questline.mission.adapters.outbound.repositories import (
    SqlAchievementRepository,
    SqlMissionDefinitionRepository,
    mission_from_json,
    mission_json,
)
from questline.mission.domain.events import MissionAchieved, MissionEvent, RewardLinked
from questline.mission.domain.mission import MissionDefinition
from questline.service_kit.db import Connection
from questline.service_kit.idempotency import SqlIdempotencyKeys
from questline.service_kit.uow import SqlReads, SqlUnitOfWork


def to_contract(event: MissionEvent) -> contract.EventData:
    match event:
        case MissionAchieved():
            return contract.MissionAchieved(
                mission_id=event.mission_id,
                customer_id=event.customer_id,
                mission_code=event.mission_code,
                mission_title=event.mission_title,
                points=event.points,
                achieved_at=event.achieved_at,
            )
        case RewardLinked():
            return contract.MissionRewardLinked(
                mission_id=event.mission_id,
                customer_id=event.customer_id,
                reward_id=event.reward_id,
            )


class SqlMissionUnitOfWork(SqlUnitOfWork):
    missions: SqlMissionDefinitionRepository
    achievements: SqlAchievementRepository
    idempotency_keys: SqlIdempotencyKeys[MissionDefinition]

    def _bind(self, conn: Connection) -> None:
        self.missions = SqlMissionDefinitionRepository(conn)
        self.achievements = SqlAchievementRepository(conn)
        self.idempotency_keys = SqlIdempotencyKeys(conn, mission_json, mission_from_json)

    def publish(self, events: Sequence[MissionEvent], causation_id: str | None = None) -> None:
        self.stage((to_contract(e) for e in events), causation_id)


class SqlMissionReads(SqlReads):
    """The unit of work of a query that is one statement: a connection in autocommit,
    which spares the BEGIN and ROLLBACK round trips. A read publishes nothing."""

    missions: SqlMissionDefinitionRepository
    achievements: SqlAchievementRepository
    idempotency_keys: SqlIdempotencyKeys[MissionDefinition]

    def _bind(self, conn: Connection) -> None:
        self.missions = SqlMissionDefinitionRepository(conn)
        self.achievements = SqlAchievementRepository(conn)
        self.idempotency_keys = SqlIdempotencyKeys(conn, mission_json, mission_from_json)

    def publish(self, events: Sequence[MissionEvent], causation_id: str | None = None) -> None:
        if events:
            raise RuntimeError("a read-only unit of work cannot publish events")
