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

from questline.contracts.events import EventData
from questline.service_kit import metrics
from questline.service_kit.db import Connection, Database, is_transient
from questline.service_kit.envelope import OutgoingRecord, to_record
from questline.service_kit.logs import get_logger, log_debug_enabled
from questline.service_kit.waits import Pace, stopped_within, wait_any

log = get_logger(__name__)


class OutboxWriter:
    """Adds events to the outbox inside the caller's transaction."""

    # One statement however many events: arrays unnested server-side.
    _INSERT = (
        "INSERT INTO outbox (event_id, topic, key, headers, payload) "
        "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::bytea[])"
    )

    def __init__(self, source: str) -> None:
        self._source = source

    async def add(
        self, conn: Connection, events: Iterable[tuple[EventData, str | None]]
    ) -> list[OutgoingRecord]:
        """Insert (event, causation id) pairs: one statement however many events."""
        records = [to_record(event, self._source, cause) for event, cause in events]
        if records:
            # At DEBUG only: one line per event at rate costs more than the event itself;
            # the consumer logs each batch with its events' correlation ids.
            if log_debug_enabled(log):
                for r in records:
                    log.debug(
                        "event_recorded",
                        type=r.headers["ce_type"],
                        event_id=r.event_id,
                        correlationid=r.headers["ce_correlationid"],
                        causationid=r.headers.get("ce_causationid"),
                    )
            await conn.execute(
                self._INSERT,
                [r.event_id for r in records],
                [r.topic for r in records],
                [r.key for r in records],
                [r.headers for r in records],
                [r.value for r in records],
            )
        return records


class OutboxRelay:
    """Publishes unsent rows in batches: lock (SKIP LOCKED, so replicas share the work),
    produce, wait for every ack, delete the rows (or mark them sent, with a retention),
    commit.

    It sleeps until woken by a local commit (`wake`), or for `idle_seconds` at most: the
    fallback that finds rows committed by another process (a replica's HTTP role).
    Rounds start at least `pace_seconds` apart: after a quiet spell a commit goes out at
    once; under load one round carries the commits of the last `pace`."""

    # Lock and delete (or mark) in one statement, inside a transaction that commits only
    # once Kafka acknowledged every row: a failed publish rolls it back (the rows wait),
    # a crash after publish and before commit re-publishes them (the inboxes absorb it).
    # The commit need not wait for its WAL flush: a delete lost in a crash only
    # re-publishes. One round trip opens the transaction and sets that.
    _BEGIN = "BEGIN; SET LOCAL synchronous_commit = off"
    _UNSENT = (
        "WHERE id IN (SELECT id FROM outbox WHERE published_at IS NULL "
        "ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) "
        "RETURNING id, topic, key, headers, payload"
    )
    _CLAIM = f"UPDATE outbox SET published_at = now() {_UNSENT}"
    # Without a retention (the default) the rows go as they are sent: one WAL record per
    # row instead of a new row version, its index entries and a later purge.
    _CLAIM_AND_DELETE = f"DELETE FROM outbox {_UNSENT}"
    _PURGE = "DELETE FROM outbox WHERE published_at < now() - make_interval(secs => $1)"

    def __init__(
        self,
        database: Database,
        producer: Producer,
        batch_size: int = 500,
        idle_seconds: float = 1.0,
        pace_seconds: float = 0.0,
        retention_seconds: int = 0,
        exit_after_publish: bool = False,
    ) -> None:
        self._db = database
        self._producer = producer
        self._batch_size = batch_size
        self._idle = idle_seconds
        self._pace = Pace(pace_seconds)
        self._retention = retention_seconds
        self._claim = self._CLAIM if retention_seconds else self._CLAIM_AND_DELETE
        self._exit_after_publish = exit_after_publish
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called after a local commit so the event goes out without waiting for a poll."""
        self._wake.set()

    async def run(self, stopping: asyncio.Event) -> None:
        log.info("relay_started", batch_size=self._batch_size)
        loop = asyncio.get_running_loop()
        next_purge = loop.time() + 60
        failures = 0
        while not stopping.is_set():
            self._wake.clear()  # a commit from now on wakes the next round
            began = loop.time()
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
                await stopped_within(stopping, delay)
                continue
            if sent:  # a round that found nothing published nothing: it sets no pace
                self._pace.started(began)
            if self._retention and loop.time() > next_purge:
                next_purge = loop.time() + 60
                await self._purge_sent()
            if sent < self._batch_size:
                await wait_any(stopping, self._wake, timeout=self._idle)
                if self._wake.is_set() and not stopping.is_set():
                    # A round per commit costs a transaction and a produce request each
                    # (and each produce wakes every consumer of the topic): under steady
                    # load that was most of the relay's and the broker's work.
                    await self._pace.wait()
        log.info("relay_stopped")

    async def publish_batch(self) -> int:
        pool = await self._db.pool()
        async with pool.acquire() as conn:
            # On any failure below, the pool's reset rolls the transaction back.
            await conn.execute(self._BEGIN)
            rows = await conn.fetch(self._claim, self._batch_size)
            if not rows:
                await conn.execute("ROLLBACK")
                return 0
            rows = sorted(rows, key=lambda row: row[0])  # publish in outbox order
            delivered = await self._publish(rows)
            if self._exit_after_publish:
                log.warning("fault_injection_exit_after_publish", rows=len(rows))
                os._exit(70)
            if len(delivered) < len(rows):
                raise RuntimeError(f"{len(rows) - len(delivered)} of {len(rows)} events not acked")
            await conn.execute("COMMIT")
        metrics.OUTBOX_BATCH.observe(len(rows))
        return len(rows)

    async def _publish(self, rows: Sequence[Any]) -> list[int]:
        delivered: list[int] = []
        errors: list[KafkaError] = []
        published: dict[str, int] = {}

        def on_delivery(row_id: int, topic: str) -> Callable[[KafkaError | None, Message], None]:
            def callback(error: KafkaError | None, _msg: Message) -> None:
                if error is None:
                    delivered.append(row_id)
                    published[topic] = published.get(topic, 0) + 1
                else:
                    errors.append(error)

            return callback

        for row in rows:
            row_id, topic, key, headers, payload = row
            self._produce(topic, key, list(headers.items()), payload, on_delivery(row_id, topic))
        remaining = await asyncio.to_thread(self._producer.flush, 30)
        for topic, count in published.items():
            metrics.OUTBOX_PUBLISHED.labels(topic).inc(count)
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
            async with self._db.transaction() as conn:
                await conn.execute(self._PURGE, float(self._retention))
        except Exception as error:
            log.warning("outbox_purge_failed", error=str(error))
