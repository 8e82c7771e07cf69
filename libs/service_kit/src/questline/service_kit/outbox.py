"""Transactional outbox: events are rows written in the same transaction as the state
change; a relay publishes them in batches and marks them sent.

A crash after commit and before publish loses nothing (the row waits); a crash after
publish and before marking re-publishes the batch, which consumers absorb in their inbox.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from confluent_kafka import KafkaError, Message, Producer
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    func,
    insert,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from questline.contracts.events import EventData
from questline.service_kit import metrics
from questline.service_kit.db import is_transient
from questline.service_kit.envelope import OutgoingRecord, to_record
from questline.service_kit.logs import get_logger

log = get_logger(__name__)


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("headers", JSONB, nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        # The relay scans only unsent rows; the partial index keeps that scan tiny.
        Index("ix_outbox_unsent", "id", postgresql_where=text("published_at IS NULL")),
    )


class OutboxWriter:
    """Adds events to the outbox inside the caller's transaction."""

    def __init__(self, table: Table, source: str) -> None:
        self._table = table
        self._source = source
        self._insert = insert(table)

    async def add(
        self, conn: AsyncConnection, events: Iterable[tuple[EventData, str | None]]
    ) -> list[OutgoingRecord]:
        """Insert (event, causation id) pairs: one statement however many events."""
        records = []
        for event, causation_id in events:
            record = to_record(event, self._source, causation_id)
            records.append(record)
            # One line per fact, joinable across services by correlationid.
            log.info(
                "event_recorded",
                type=record.headers["ce_type"],
                event_id=record.event_id,
                correlationid=record.headers["ce_correlationid"],
                causationid=causation_id,
            )
        if records:
            await conn.execute(
                self._insert,
                [
                    {
                        "event_id": r.event_id,
                        "topic": r.topic,
                        "key": r.key,
                        "headers": r.headers,
                        "payload": r.value,
                    }
                    for r in records
                ],
            )
        return records


class OutboxRelay:
    """Publishes unsent rows in batches: lock (SKIP LOCKED, so replicas share the work),
    produce, wait for every ack, mark sent, commit."""

    def __init__(
        self,
        engine: AsyncEngine,
        producer: Producer,
        batch_size: int = 500,
        idle_seconds: float = 0.05,
        retention_seconds: int = 3600,
        exit_after_publish: bool = False,
    ) -> None:
        self._engine = engine
        self._producer = producer
        self._batch_size = batch_size
        self._idle = idle_seconds
        self._retention = retention_seconds
        self._exit_after_publish = exit_after_publish
        self._wake = asyncio.Event()
        self._select = text(
            "SELECT id, topic, key, headers, payload FROM outbox WHERE published_at IS NULL "
            "ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED"
        )
        self._mark = text("UPDATE outbox SET published_at = now() WHERE id = ANY(:ids)")
        self._no_flush_wait = text("SET LOCAL synchronous_commit = off")
        self._purge = text(
            "DELETE FROM outbox WHERE published_at < now() - make_interval(secs => :s)"
        )

    def wake(self) -> None:
        """Called after a local commit so the event goes out without waiting for a poll."""
        self._wake.set()

    async def run(self, stopping: asyncio.Event) -> None:
        log.info("relay_started", batch_size=self._batch_size)
        loop = asyncio.get_running_loop()
        next_purge = loop.time() + 60
        failures = 0
        while not stopping.is_set():
            try:
                sent = await self.publish_batch()
                failures = 0
            except Exception as error:
                failures += 1
                metrics.OUTBOX_FAILURES.inc()
                delay = min(5.0, 0.1 * 2 ** min(failures, 6))
                log.warning(
                    "relay_round_failed",
                    error=str(error),
                    transient=is_transient(error),
                    retry_in_s=delay,
                )
                await _wait(stopping, delay)
                continue
            if loop.time() > next_purge:
                next_purge = loop.time() + 60
                await self._purge_sent()
            if sent < self._batch_size:
                self._wake.clear()
                await _wait_any(stopping, self._wake, self._idle)
        log.info("relay_stopped")

    async def publish_batch(self) -> int:
        async with self._engine.begin() as conn:
            rows = (await conn.execute(self._select, {"n": self._batch_size})).all()
            if not rows:
                return 0
            delivered = await self._publish(rows)
            if self._exit_after_publish:
                log.warning("fault_injection_exit_after_publish", rows=len(rows))
                os._exit(70)
            if delivered:
                # The mark need not wait for its WAL flush: should it be lost in a crash,
                # the rows go out again and the consumers' inboxes absorb the repeat.
                await conn.execute(self._no_flush_wait)
                await conn.execute(self._mark, {"ids": delivered})
        metrics.OUTBOX_BATCH.observe(len(rows))
        if len(delivered) < len(rows):
            raise RuntimeError(f"{len(rows) - len(delivered)} of {len(rows)} events not acked")
        return len(rows)

    async def _publish(self, rows: Sequence[Any]) -> list[int]:
        delivered: list[int] = []
        errors: list[KafkaError] = []

        def on_delivery(row_id: int, topic: str) -> Callable[[KafkaError | None, Message], None]:
            def callback(error: KafkaError | None, _msg: Message) -> None:
                if error is None:
                    delivered.append(row_id)
                    metrics.OUTBOX_PUBLISHED.labels(topic).inc()
                else:
                    errors.append(error)

            return callback

        for row in rows:
            row_id, topic, key, headers, payload = row
            self._produce(topic, key, list(headers.items()), payload, on_delivery(row_id, topic))
        remaining = await asyncio.to_thread(self._producer.flush, 30)
        if remaining or errors:
            log.warning(
                "relay_delivery_incomplete",
                undelivered=remaining,
                errors=[str(e) for e in errors[:3]],
            )
        return delivered

    def _produce(
        self,
        topic: str,
        key: str,
        headers: list[tuple[str, str | bytes | None]],
        payload: bytes,
        callback: Callable[[KafkaError | None, Message], None],
    ) -> None:
        while True:
            try:
                self._producer.produce(topic, payload, key, headers=headers, on_delivery=callback)
                return
            except BufferError:  # local queue full: let deliveries drain, then retry
                self._producer.poll(0.05)

    async def _purge_sent(self) -> None:
        try:
            async with self._engine.begin() as conn:
                await conn.execute(self._purge, {"s": self._retention})
        except Exception as error:
            log.warning("outbox_purge_failed", error=str(error))


async def _wait(stopping: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        pass


async def _wait_any(stopping: asyncio.Event, wake: asyncio.Event, seconds: float) -> None:
    waiters = [asyncio.ensure_future(stopping.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
