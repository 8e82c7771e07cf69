"""Composition root: settings → adapters → application → the runnable service."""

from __future__ import annotations

from pathlib import Path

from questline.gift.adapters.inbound import http
from questline.gift.adapters.outbound import tables
from questline.gift.adapters.outbound.uow import SqlGiftUnitOfWork
from questline.gift.settings import GiftSettings
from questline.service_kit.ids import new_id, utc_now
from questline.service_kit.kit import ServiceKit
from questline.service_kit.runtime import Service
from questline.service_kit.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "adapters" / "outbound" / "migrations"


async def build(settings: ServiceSettings, roles: set[str]) -> Service:
    # Gift consumes no events yet; the inbox table is there for the first consumer.
    kit = ServiceKit(settings, outbox=tables.outbox, inbox=tables.inbox)

    def uow(causation_id: str | None) -> SqlGiftUnitOfWork:
        return SqlGiftUnitOfWork(
            outbox=kit.outbox,
            engine=kit.engine,
            causation_id=causation_id,
            after_commit=kit.wake_relay,
        )

    return kit.service(
        title="Questline gift service",
        description="The gift catalogue with its stock, and the exchange records wallet "
        "writes through POST /exchanges (one per reward, ever). Every stock change is "
        "published as GiftStockChanged, every exchange as GiftExchanged, on gift.events.",
        routers=[http.router(uow, utc_now, new_id)],
        consumers=[],
        roles=roles,
    )


def settings() -> GiftSettings:
    return GiftSettings()
