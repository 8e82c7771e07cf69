"""Composition root: settings → adapters → application → the runnable service."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection

from questline.reward.adapters.inbound import events, http
from questline.reward.adapters.outbound import tables
from questline.reward.adapters.outbound.uow import SqlRewardUnitOfWork
from questline.reward.settings import RewardSettings
from questline.service_kit.ids import new_id, utc_now
from questline.service_kit.kit import ServiceKit
from questline.service_kit.runtime import Service
from questline.service_kit.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "adapters" / "outbound" / "migrations"


async def build(settings: ServiceSettings, roles: set[str]) -> Service:
    kit = ServiceKit(settings, outbox=tables.outbox, inbox=tables.inbox)

    def uow(causation_id: str | None) -> SqlRewardUnitOfWork:
        return SqlRewardUnitOfWork(
            outbox=kit.outbox,
            engine=kit.engine,
            causation_id=causation_id,
            after_commit=kit.wake_relay,
        )

    def uow_on(conn: AsyncConnection, causation_id: str) -> SqlRewardUnitOfWork:
        return SqlRewardUnitOfWork(outbox=kit.outbox, connection=conn, causation_id=causation_id)

    consumers = []
    if "consumer" in roles:
        consumers.append(
            kit.consumer(
                topics=events.TOPICS,
                handled_types=events.HANDLED_TYPES,
                apply=events.make_apply(uow_on, utc_now, new_id),
            )
        )
    return kit.service(
        title="Questline reward service",
        description="Issues exactly one reward per achievement and tracks its status.",
        routers=[http.router(uow)],
        consumers=consumers,
        roles=roles,
    )


def settings() -> RewardSettings:
    return RewardSettings()
