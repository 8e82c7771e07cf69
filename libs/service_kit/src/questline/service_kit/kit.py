"""Assembles the shared plumbing for one service: engine, outbox writer and relay,
Kafka probe, inbox consumers, the HTTP app and the runtime's `Service` record."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence

from fastapi import APIRouter
from sqlalchemy import Table

from questline.contracts.registry import TOPICS
from questline.service_kit import db, kafka
from questline.service_kit.http import create_app
from questline.service_kit.inbox import Apply, InboxConsumer
from questline.service_kit.outbox import OutboxRelay, OutboxWriter
from questline.service_kit.runtime import Service
from questline.service_kit.settings import ServiceSettings


class ServiceKit:
    """Nothing connects here: engines and clients connect lazily once `run` starts."""

    def __init__(self, settings: ServiceSettings, *, outbox: Table, inbox: Table | None) -> None:
        self.settings = settings
        self.engine = db.create_engine(settings.effective_database_url(), settings.db_pool_size)
        self.outbox = OutboxWriter(outbox, source=f"/questline/{settings.service}")
        self._inbox = inbox
        self.relay: OutboxRelay | None = None

    def wake_relay(self) -> None:
        if self.relay is not None:
            self.relay.wake()

    def start_relay(self) -> OutboxRelay:
        s = self.settings
        self.relay = OutboxRelay(
            self.engine,
            kafka.producer(s.kafka_bootstrap_servers, f"{s.service}-relay-{s.instance_id}"),
            batch_size=s.relay_batch_size,
            idle_seconds=s.relay_idle_ms / 1000,
            retention_seconds=s.outbox_retention_s,
            exit_after_publish=s.fault_relay_exit_after_publish,
        )
        return self.relay

    def consumer(
        self, *, topics: Sequence[str], handled_types: Collection[str], apply: Apply
    ) -> InboxConsumer:
        s = self.settings
        assert self._inbox is not None, "this service has no inbox"
        unknown = set(topics) - set(TOPICS)
        if unknown:
            raise ValueError(f"unknown topics {unknown}")
        group = s.consumer_group or f"questline.{s.service}"
        return InboxConsumer(
            engine=self.engine,
            inbox=self._inbox,
            consumer=kafka.consumer(
                s.kafka_bootstrap_servers,
                group,
                f"{s.service}-{s.instance_id}",
                s.consumer_session_timeout_ms,
                s.consumer_fetch_wait_ms,
            ),
            dlq_producer=kafka.producer(s.kafka_bootstrap_servers, f"{s.service}-dlq"),
            topics=topics,
            handled_types=handled_types,
            apply=apply,
            group_id=group,
            batch_size=s.consumer_batch_size,
            linger_seconds=s.consumer_linger_ms / 1000,
            after_commit=self.wake_relay,
            retention_s=s.inbox_retention_s,
        )

    def service(
        self,
        *,
        title: str,
        description: str,
        routers: Sequence[APIRouter],
        consumers: Sequence[InboxConsumer] = (),
        roles: Collection[str] = (),
        on_close: Callable[[], Awaitable[None]] | None = None,
    ) -> Service:
        s = self.settings
        if "relay" in roles:
            self.start_relay()
        probe = kafka.KafkaProbe(s.kafka_bootstrap_servers)

        async def database_ready() -> bool:
            return await db.ping(self.engine)

        app = create_app(
            title=title,
            description=description,
            routers=routers,
            ready_checks={"database": database_ready, "kafka": probe.reachable},
            max_body_bytes=s.max_body_bytes,
        )

        async def close() -> None:
            if on_close is not None:
                await on_close()
            await self.engine.dispose()

        return Service(
            settings=s, app=app, relay=self.relay, consumers=list(consumers), close=close
        )
