"""Composition root: settings → adapters → application → the runnable service."""

from __future__ import annotations

from pathlib import Path

from questline.gift.adapters.inbound import http
from questline.gift.adapters.inbound.intake import Batch, ExchangeIntake
from questline.gift.adapters.outbound.uow import SqlGiftReader, SqlGiftUnitOfWork
from questline.gift.application.exchange_gift import Outcome, exchange_gifts
from questline.gift.settings import GiftSettings
from questline.service_kit.ids import new_id, utc_now
from questline.service_kit.kit import ServiceKit
from questline.service_kit.runtime import Service
from questline.service_kit.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "adapters" / "outbound" / "migrations"


async def build(settings: ServiceSettings, roles: set[str]) -> Service:
    # Gift consumes no events yet (no handler table); the inbox table is there for
    # the first consumer.
    kit = ServiceKit(settings)

    def uow(causation_id: str | None) -> SqlGiftUnitOfWork:
        return SqlGiftUnitOfWork(
            outbox=kit.outbox,
            database=kit.db,
            causation_id=causation_id,
            after_commit=kit.wake_relay,
        )

    def reader() -> SqlGiftReader:
        return SqlGiftReader(kit.db)

    async def exchange_batch(batch: Batch) -> list[Outcome]:
        # Each request's events carry its own cause: the unit of work has none.
        return await exchange_gifts(batch, uow(None), utc_now, new_id)

    return kit.service(
        title="Questline gift service",
        description="The gift catalogue with its stock, and the exchange records wallet "
        "writes through POST /exchanges (one per reward, ever). Every stock change is "
        "published as GiftStockChanged, every exchange as GiftExchanged, on gift.events.",
        routers=http.routers(uow, reader, ExchangeIntake(exchange_batch), utc_now, new_id),
        consumers=[],
        roles=roles,
    )


def settings() -> GiftSettings:
    return GiftSettings()
