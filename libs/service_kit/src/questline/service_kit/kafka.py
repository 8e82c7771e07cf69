"""confluent-kafka configuration in one place, and a cheap readiness probe."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient

from questline.service_kit.logs import get_logger

log = get_logger(__name__)
# librdkafka's own log lines go through stdlib logging, hence out as JSON like the rest.
_librdkafka = logging.getLogger("librdkafka")


# librdkafka backs off up to 10 s between reconnects; after a broker restart that left
# services waiting up to 10 s more. A try per second while it is down costs nothing.
RECONNECT = {"reconnect.backoff.ms": 100, "reconnect.backoff.max.ms": 1000}


def _log_error(error: Any) -> None:
    log.warning("kafka_client_error", error=str(error))


def producer(bootstrap: str, client_id: str) -> Producer:
    # Idempotent and acks=all: a retried send never duplicates or reorders within a
    # partition. linger batches records that the relay hands over together.
    return Producer(
        {
            "bootstrap.servers": bootstrap,
            "client.id": client_id,
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 5,
            "compression.type": "lz4",
            "message.timeout.ms": 30_000,
            "error_cb": _log_error,
            "logger": _librdkafka,
            **RECONNECT,
        }
    )


def consumer(
    bootstrap: str,
    group_id: str,
    client_id: str,
    session_timeout_ms: int,
    fetch_wait_ms: int = 1000,
) -> Consumer:
    # Offsets are committed by hand, after the database transaction committed.
    return Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group_id,
            "client.id": client_id,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": session_timeout_ms,
            "heartbeat.interval.ms": max(1000, session_timeout_ms // 5),
            "partition.assignment.strategy": "cooperative-sticky",
            "fetch.wait.max.ms": fetch_wait_ms,
            "fetch.min.bytes": 1,  # with the long poll: answer as soon as one record is there
            "error_cb": _log_error,
            "logger": _librdkafka,
            **RECONNECT,
        }
    )


class KafkaProbe:
    """Answers "is the broker reachable?" at most once per `ttl` seconds."""

    def __init__(self, bootstrap: str, ttl: float = 2.0) -> None:
        self._bootstrap = bootstrap
        self._admin: AdminClient | None = None  # created on first use: no I/O at build time
        self._ttl = ttl
        self._checked_at = 0.0
        self._ok = False

    def _check(self) -> bool:
        if self._admin is None:
            self._admin = AdminClient({"bootstrap.servers": self._bootstrap, **RECONNECT})
        try:
            self._admin.list_topics(timeout=2)
            return True
        except Exception:
            return False

    def close(self) -> None:
        """Let the client go (destroyed with its last reference: AdminClient has no
        close): a service closed in a test must not keep reconnecting to a broker gone."""
        self._admin = None

    async def reachable(self) -> bool:
        now = time.monotonic()
        if now - self._checked_at > self._ttl:
            self._ok = await asyncio.to_thread(self._check)
            self._checked_at = time.monotonic()
        return self._ok
