"""Composition root: settings → adapters → application → the runnable service."""

from __future__ import annotations

from pathlib import Path

from questline.mission.adapters.inbound import events, http
from questline.mission.adapters.inbound.intake import AchievementIntake
from questline.mission.adapters.outbound.activity import achievements_last_minute
from questline.mission.adapters.outbound.uow import SqlMissionReads, SqlMissionUnitOfWork
from questline.mission.application.achieve_mission import achieve_missions
from questline.mission.settings import MissionSettings
from questline.service_kit.db import Connection
from questline.service_kit.ids import new_id, utc_now
from questline.service_kit.kit import ServiceKit
from questline.service_kit.runtime import Service
from questline.service_kit.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "adapters" / "outbound" / "migrations"


async def build(settings: ServiceSettings, roles: set[str]) -> Service:
    assert isinstance(settings, MissionSettings)
    kit = ServiceKit(settings)

    def uow(causation_id: str | None) -> SqlMissionUnitOfWork:
        return SqlMissionUnitOfWork(
            outbox=kit.outbox,
            database=kit.db,
            causation_id=causation_id,
            after_commit=kit.wake_relay,
        )

    def uow_on(conn: Connection, causation_id: str) -> SqlMissionUnitOfWork:
        return SqlMissionUnitOfWork(outbox=kit.outbox, connection=conn, causation_id=causation_id)

    def reads() -> SqlMissionReads:
        return SqlMissionReads(kit.db)

    intake = AchievementIntake(
        lambda batch: achieve_missions(batch, uow(None), utc_now, new_id),
        pace_seconds=settings.ingress_pace_ms / 1000,
    )
    consumers = [kit.consumer(events.handlers(uow_on))] if "consumer" in roles else []
    return kit.service(
        title="Questline mission service",
        description="Mission catalogue and achievements: a game backend reports that a "
        "player achieved a mission; the reward follows by events.",
        routers=[http.router(uow, reads, intake)],
        consumers=consumers,
        roles=roles,
        figures={"achievementsLastMinute": lambda: achievements_last_minute(kit.db)},
    )


def settings() -> MissionSettings:
    return MissionSettings()
