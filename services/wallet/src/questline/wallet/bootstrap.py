"""Composition root: settings → adapters → application → the runnable service."""

from __future__ import annotations

from pathlib import Path

from questline.service_kit.caller import GIFT_EXCHANGE
from questline.service_kit.client_token import ClientToken
from questline.service_kit.db import Connection
from questline.service_kit.ids import utc_now
from questline.service_kit.kit import ServiceKit
from questline.service_kit.runtime import Service
from questline.service_kit.settings import ServiceSettings
from questline.wallet.adapters.inbound import events, http
from questline.wallet.adapters.inbound.intake import Batch, ExchangeIntake
from questline.wallet.adapters.outbound.gift_client import HttpGiftCatalogue
from questline.wallet.adapters.outbound.uow import SqlWalletReads, SqlWalletUnitOfWork
from questline.wallet.application.exchange_reward import Outcome, record_exchanges
from questline.wallet.settings import WalletSettings

MIGRATIONS = Path(__file__).parent / "adapters" / "outbound" / "migrations"


async def build(settings: ServiceSettings, roles: set[str]) -> Service:
    assert isinstance(settings, WalletSettings)
    kit = ServiceKit(settings)
    gifts = HttpGiftCatalogue(
        settings.gift_base_url,
        connect_timeout_s=settings.gift_connect_timeout_s,
        read_timeout_s=settings.gift_read_timeout_s,
        max_concurrent_calls=settings.gift_max_concurrent_calls,
        breaker_threshold=settings.gift_breaker_threshold,
        breaker_cooldown_s=settings.gift_breaker_cooldown_s,
        retry_after_s=settings.gift_retry_after_s,
        token=ClientToken(
            settings.gift_token_url,
            settings.gift_client_id,
            settings.gift_client_secret,
            scope=GIFT_EXCHANGE,
        )
        if settings.gift_client_secret
        else None,
    )

    def uow() -> SqlWalletUnitOfWork:
        """A unit of work that owns its transaction and has no cause of its own: each
        request of a batch gives its events their own."""
        return SqlWalletUnitOfWork(outbox=kit.outbox, database=kit.db, after_commit=kit.wake_relay)

    def uow_on(conn: Connection, causation_id: str) -> SqlWalletUnitOfWork:
        return SqlWalletUnitOfWork(outbox=kit.outbox, connection=conn, causation_id=causation_id)

    def reads() -> SqlWalletReads:
        return SqlWalletReads(kit.db)

    async def record_batch(batch: Batch) -> list[Outcome]:
        return await record_exchanges(batch, uow())

    consumers = []
    if "consumer" in roles:
        consumers.append(kit.consumer(events.handlers(uow_on, utc_now)))
    return kit.service(
        title="Questline wallet service",
        description="Each customer's wallet of rewards; the exchange command.",
        routers=[http.router(reads, gifts, ExchangeIntake(record_batch), gifts.state)],
        consumers=consumers,
        roles=roles,
        on_close=gifts.close,
        figures={"giftCircuitBreaker": gifts.state},
    )


def settings() -> WalletSettings:
    return WalletSettings()
