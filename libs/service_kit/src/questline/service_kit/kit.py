"""Assembles the shared plumbing for one service: database pool, outbox writer and
relay, Kafka probe, inbox consumers, the HTTP app and the runtime's `Service` record."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence

import orjson
from fastapi import APIRouter

from questline.contracts.registry import TOPICS
from questline.service_kit import kafka
from questline.service_kit.caller import TokenVerifier
from questline.service_kit.db import Database
from questline.service_kit.drain import Drain
from questline.service_kit.http import create_app
from questline.service_kit.inbox import EventHandlers, InboxConsumer, topics_of
from questline.service_kit.ops import Figure, KafkaStatus, OpsStatus, ops_router
from questline.service_kit.outbox import OutboxRelay, OutboxWriter
from questline.service_kit.runtime import Background, Service
from questline.service_kit.settings import ServiceSettings


class ServiceKit:
    """Nothing connects here: engines and clients connect lazily once `run` starts."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.db = Database(settings.effective_database_url(), settings.db_pool_size)
        self.outbox = OutboxWriter(source=f"/questline/{settings.service}")
        self.relay: OutboxRelay | None = None
        self.consumed_topics: set[str] = set()  # what its consumers read (ops status)

    def wake_relay(self) -> None:
        if self.relay is not None:
            self.relay.wake()

    def start_relay(self) -> OutboxRelay:
        s = self.settings
        self.relay = OutboxRelay(
            self.db,
            kafka.producer(s.kafka_bootstrap_servers, f"{s.service}-relay-{s.instance_id}"),
            batch_size=s.relay_batch_size,
            idle_seconds=s.relay_idle_ms / 1000,
            pace_seconds=s.relay_pace_ms / 1000,
            retention_seconds=s.outbox_retention_s,
            exit_after_publish=s.fault_relay_exit_after_publish,
        )
        return self.relay

    def consumer(self, handlers: EventHandlers) -> InboxConsumer:
        s = self.settings
        unknown = set(topics_of(handlers)) - set(TOPICS)
        if unknown:
            raise ValueError(f"unknown topics {unknown}")
        self.consumed_topics.update(topics_of(handlers))
        group = s.effective_consumer_group()
        return InboxConsumer(
            database=self.db,
            consumer=kafka.consumer(
                s.kafka_bootstrap_servers,
                group,
                f"{s.service}-{s.instance_id}",
                s.consumer_session_timeout_ms,
                s.consumer_fetch_wait_ms,
            ),
            dlq_producer=lambda: kafka.producer(s.kafka_bootstrap_servers, f"{s.service}-dlq"),
            handlers=handlers,
            group_id=group,
            batch_size=s.consumer_batch_size,
            pace_seconds=s.consumer_pace_ms / 1000,
            after_commit=self.wake_relay,
            commit_interval_s=s.consumer_commit_interval_ms / 1000,
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
        background: dict[str, Background] | None = None,
        figures: Mapping[str, Figure] | None = None,
    ) -> Service:
        s = self.settings
        if "relay" in roles:
            self.start_relay()
        probe = kafka.KafkaProbe(s.kafka_bootstrap_servers)
        drain = Drain()

        app = create_app(
            verifier=token_verifier(s),
            title=title,
            description=description,
            routers=[*routers, ops_router(self.ops_status(figures or {}))],
            ready_checks={"database": self.db.ping, "kafka": probe.reachable},
            max_body_bytes=s.max_body_bytes,
            drain=drain,
        )

        async def close() -> None:
            if on_close is not None:
                await on_close()
            await self.db.close()
            probe.close()

        return Service(
            settings=s,
            app=app,
            relay=self.relay,
            consumers=list(consumers),
            close=close,
            background=dict(background or {}),  # run with the HTTP role
            drain=drain,
        )

    def ops_status(self, figures: Mapping[str, Figure]) -> OpsStatus:
        s = self.settings
        group = s.effective_consumer_group()
        kafka_status = KafkaStatus(s.kafka_bootstrap_servers, group, sorted(self.consumed_topics))
        return OpsStatus(s.service, group, kafka_status, figures)


def token_verifier(settings: ServiceSettings) -> TokenVerifier:
    return TokenVerifier(
        jwks_url=settings.auth_jwks_url,
        issuer=settings.auth_issuer,
        audience=settings.auth_audience,
        jwks=orjson.loads(settings.auth_jwks) if settings.auth_jwks else None,
    )
