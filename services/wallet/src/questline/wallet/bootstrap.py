"""Composition root: settings → adapters → application → the runnable service."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection

from questline.service_kit.ids import utc_now
from questline.service_kit.kit import ServiceKit
from questline.service_kit.runtime import Service
from questline.service_kit.settings import ServiceSettings
from questline.wallet.adapters.inbound import events, http
from questline.wallet.adapters.outbound import tables
from questline.wallet.adapters.outbound.gift_client import HttpGiftCatalogue
from questline.wallet.adapters.outbound.uow import SqlWalletUnitOfWork
from questline.wallet.settings import WalletSettings

MIGRATIONS = Path(__file__).parent / "adapters" / "outbound" / "migrations"


async def build(settings: ServiceSettings, roles: set[str]) -> Service:
    assert isinstance(settings, WalletSettings)
    kit = ServiceKit(settings, outbox=tables.outbox, inbox=tables.inbox)
    gifts = HttpGiftCatalogue(
        settings.gift_base_url,
        connect_timeout_s=settings.gift_connect_timeout_s,
        read_timeout_s=settings.gift_read_timeout_s,
        max_concurrent_calls=settings.gift_max_concurrent_calls,
        breaker_threshold=settings.gift_breaker_threshold,
        breaker_cooldown_s=settings.gift_breaker_cooldown_s,
        retry_after_s=settings.gift_retry_after_s,
    )

    def uow(causation_id: str | None) -> SqlWalletUnitOfWork:
        return SqlWalletUnitOfWork(
            outbox=kit.outbox,
            engine=kit.engine,
            causation_id=causation_id,
            after_commit=kit.wake_relay,
        )

    def uow_on(conn: AsyncConnection, causation_id: str) -> SqlWalletUnitOfWork:
        return SqlWalletUnitOfWork(outbox=kit.outbox, connection=conn, causation_id=causation_id)

    consumers = []
    if "consumer" in roles:
        consumers.append(
            kit.consumer(
                topics=events.TOPICS,
                handled_types=events.HANDLED_TYPES,
                apply=events.make_apply(uow_on, utc_now),
            )
        )
    return kit.service(
        title="Questline wallet service",
        description="Each customer's wallet of rewards; the exchange command.",
        routers=[http.router(uow, gifts, gifts.state)],
        consumers=consumers,
        roles=roles,
        on_close=gifts.close,
    )


def settings() -> WalletSettings:
    return WalletSettings()
