"""Composition root: settings → adapters → application → the runnable service."""

from __future__ import annotations

from pathlib import Path

from questline.reward.adapters.inbound import events, http
from questline.reward.adapters.outbound.uow import SqlRewardReads, SqlRewardUnitOfWork
from questline.reward.settings import RewardSettings
from questline.service_kit.db import Connection
from questline.service_kit.ids import new_id, utc_now
from questline.service_kit.kit import ServiceKit
from questline.service_kit.runtime import Service
from questline.service_kit.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "adapters" / "outbound" / "migrations"


async def build(settings: ServiceSettings, roles: set[str]) -> Service:
    kit = ServiceKit(settings)

    def uow_on(conn: Connection, causation_id: str) -> SqlRewardUnitOfWork:
        return SqlRewardUnitOfWork(outbox=kit.outbox, connection=conn, causation_id=causation_id)

    def reads() -> SqlRewardReads:
        return SqlRewardReads(kit.db)

    consumers = []
    if "consumer" in roles:
        consumers.append(kit.consumer(events.handlers(uow_on, utc_now, new_id)))
    return kit.service(
        title="Questline reward service",
        description="Issues exactly one reward per achievement and tracks its status.",
        routers=[http.router(reads)],
        consumers=consumers,
        roles=roles,
    )


def settings() -> RewardSettings:
    return RewardSettings()
