"""Inbox consumer: poll a batch, apply it in one transaction together with the inbox
rows of its event ids, then commit offsets.

- a redelivered or re-published event finds its id in the inbox and has no effect;
- offsets are committed only after the database commit (at-least-once + inbox = once);
- a poison record (not a CloudEvent, unknown type version, a type off its own topic,
  invalid data, or an event whose handler keeps failing) goes to `<topic>.dlq` with the
  error in its headers (see dead_letters.py), never to a handler;
- a transient failure (database down) is retried with backoff, never skipped.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from confluent_kafka import Consumer, KafkaError, Message, Producer, TopicPartition

from questline.contracts.events import EventData
from questline.contracts.registry import EVENT_TYPES, dlq_topic
from questline.service_kit import dead_letters, metrics
from questline.service_kit.db import Connection, Database, is_transient
from questline.service_kit.envelope import IncomingEvent, PoisonMessage, from_record
from questline.service_kit.logs import get_logger, log_context
from questline.service_kit.waits import Pace, stopped_within

log = get_logger(__name__)

T = TypeVar("T")
Handler = Callable[[Connection, Sequence[IncomingEvent]], Awaitable[None]]
"""Applies the events of one batch (all of the types it is declared for, in arrival
order) inside the batch's transaction."""
EventHandlers = Mapping[type[EventData], Handler]
"""A service's consumed events, declared once: contract model → handler. Topics and the
handled types derive from it; handlers run in the table's order (declare causes before
their effects); a handler named for several types runs once per batch."""


def topics_of(handlers: EventHandlers) -> list[str]:
    return sorted({model.TOPIC for model in handlers})


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record this consumer will not apply, on its way to the DLQ."""

    message: Message
    reason: str
    error_type: str


class InboxConsumer:
    # Records the batch's event ids; the ones that come back are new (not duplicates).
    _RECORD = (
        "INSERT INTO inbox (event_id, event_type) SELECT * FROM unnest($1::text[], $2::text[]) "
        "ON CONFLICT DO NOTHING RETURNING event_id"
    )
    # A bounded batch per statement (found through the BRIN index on received_at): a
    # purge never holds one long transaction over a backlog of old ids.
    OLD_IDS = (
        "SELECT ctid FROM inbox WHERE received_at < now() - make_interval(secs => $1) LIMIT $2"
    )
    _PURGE = f"DELETE FROM inbox WHERE ctid = ANY(ARRAY({OLD_IDS}))"
    PURGE_BATCH = 10_000

    def __init__(
        self,
        *,
        database: Database,
        consumer: Consumer,
        dlq_producer: Producer | Callable[[], Producer] | None,
        handlers: EventHandlers,
        group_id: str,
        topics: Sequence[str] | None = None,  # default: the handled models' topics
        batch_size: int = 500,
        pace_seconds: float = 0.0,
        after_commit: Callable[[], None] | None = None,
        commit_interval_s: float = 0.5,
        retention_s: int = 14 * 24 * 3600,
        park: Callable[[Sequence[Rejected]], Awaitable[None]] | None = None,
    ) -> None:
        """`park`: what becomes of records no handler may apply, instead of the DLQ; for a
        replay into a fresh copy of a read model, whose live consumer group parked the
        same records already (a second copy in the DLQ would be replayed twice)."""
        if (dlq_producer is None) == (park is None):
            raise ValueError("give either a dead-letter producer or where to park records")
        self._park = park or self._dead_letter
        self._retention_s = retention_s
        self._db = database
        self._consumer = consumer
        # A producer, or how to make one on the first dead letter: an idle client's
        # threads cost CPU at rest, and most processes never dead-letter anything.
        self._dlq_factory = dlq_producer if callable(dlq_producer) else None
        self._dlq_producer = None if callable(dlq_producer) else dlq_producer
        self._topics = list(topics) if topics is not None else topics_of(handlers)
        self._handled = frozenset(model.TYPE for model in handlers)
        # Each distinct handler once, in the table's order, with the types it takes.
        plan: dict[Handler, set[str]] = {}
        for model, handler in handlers.items():
            plan.setdefault(handler, set()).add(model.TYPE)
        self._plan = [(handler, frozenset(types)) for handler, types in plan.items()]
        self._group_id = group_id
        self._batch_size = batch_size
        self._pace = Pace(pace_seconds)
        self._after_commit = after_commit
        # Offsets of applied batches, committed to Kafka at most every interval (and on
        # idle, revocation and close): an offset commit per batch was the broker's largest
        # cost under load. A crash re-delivers at most an interval's records, which the
        # inbox absorbs; offsets still only ever cover database-committed batches.
        self._commit_interval = commit_interval_s
        self._uncommitted: dict[tuple[str, int], int] = {}
        self._committed_at = 0.0
        # The thread only blocks in poll (and subscribe/close); everything else runs on the
        # loop. Never both at once: the loop awaits the thread while it polls, which is
        # also why `_on_revoke` (called inside poll) may touch `_uncommitted`.
        self._thread = ThreadPoolExecutor(1, thread_name_prefix=f"consumer-{group_id}")

    async def _in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)

    async def run(self, stopping: asyncio.Event) -> None:
        await self._in_thread(
            lambda: self._consumer.subscribe(self._topics, on_revoke=self._on_revoke)
        )
        log.info("consumer_started", group=self._group_id, topics=self._topics)
        loop = asyncio.get_running_loop()
        next_purge = loop.time() + 60
        try:
            while not stopping.is_set():
                messages = await self._next_batch()
                if messages and not await self.process(messages, stopping):
                    break  # stopping while a transient failure persisted: nothing committed
                if not messages or loop.time() - self._committed_at >= self._commit_interval:
                    self._commit_offsets()
                    self._committed_at = loop.time()
                if loop.time() > next_purge:
                    next_purge = loop.time() + 300
                    await self._purge_inbox()
        finally:
            await self._in_thread(self._close)
            self._thread.shutdown(wait=False)
            log.info("consumer_stopped", group=self._group_id)

    async def _purge_inbox(self) -> None:
        """Forget event ids older than the retention: a redelivery can only come from the
        topic, and Kafka keeps records for less (7 days by default)."""
        try:
            async with self._db.connection() as conn:
                while True:
                    status = await conn.execute(
                        self._PURGE, float(self._retention_s), self.PURGE_BATCH
                    )
                    if int(status.split()[-1]) < self.PURGE_BATCH:
                        break
        except Exception as error:  # housekeeping: never stop consuming for it
            log.warning("inbox_purge_failed", error=str(error))

    async def _next_batch(self) -> list[Message]:
        """Under load the records are already fetched: take them here, on the loop; only
        an empty queue sends the wait to the polling thread. Each trip to that thread and
        back costs two GIL hand-offs and two wake-ups."""
        await self._pace.wait()
        ready = self._consumer.consume(self._batch_size, 0)
        if not ready:
            ready = await self._in_thread(self._poll_batch)
        if ready:
            self._pace.started(asyncio.get_running_loop().time())
        return ready

    def _poll_batch(self) -> list[Message]:
        # Return as soon as one record is there (low latency under light load), with
        # whatever else is already fetched. Long waits at rest (a stop is still noticed
        # within a second); short ones while applied offsets wait to be committed, so
        # they go out soon after traffic stops.
        first = self._consumer.poll(0.1 if self._uncommitted else 1.0)
        if first is None:
            return []
        rest = self._consumer.consume(self._batch_size - 1, 0) if self._batch_size > 1 else []
        return [first, *rest]

    async def process(self, messages: Sequence[Message], stopping: asyncio.Event) -> bool:
        """Apply one polled batch; True once its offsets may be committed (they are, with
        the next commit of offsets)."""
        events: list[IncomingEvent] = []
        dead: list[Rejected] = []
        ignored: Counter[str] = Counter()
        for message in messages:
            if message.error() is not None:
                log.warning("consumer_record_error", error=str(message.error()))
                continue
            headers = message.headers()  # a fresh copy per call: taken once
            kind = _type_of(headers)
            if kind in EVENT_TYPES and kind not in self._handled:
                # Another consumer's business (a known type we do not take, on its own
                # topic): tolerated, not even parsed. Unknown types go on, to be
                # dead-lettered as poison; so does a known type on a topic not its own.
                if message.topic() == EVENT_TYPES[kind].TOPIC:
                    ignored[message.topic() or ""] += 1
                else:
                    reason = f"event type {kind!r} does not travel on {message.topic()!r}"
                    dead.append(Rejected(message, reason, "PoisonMessage"))
                continue
            try:
                event = from_record(
                    message.topic() or "",
                    message.partition() or 0,
                    message.offset() or 0,
                    message.key(),
                    headers,
                    message.value(),
                )
            except PoisonMessage as error:
                dead.append(Rejected(message, str(error), "PoisonMessage"))
                continue
            events.append(event)
        for topic, count in ignored.items():
            metrics.EVENTS_CONSUMED.labels(topic, "ignored").inc(count)
        if events:
            failed = await self._apply_until_done(events, stopping)
            if failed is None:
                return False
            by_id = {(m.topic(), m.partition(), m.offset()): m for m in messages}
            dead += [
                Rejected(by_id[(e.topic, e.partition, e.offset)], reason, kind)
                for e, reason, kind in failed
            ]
        if dead:
            await self._park(dead)
        self._applied(messages)
        if self._after_commit is not None:
            self._after_commit()
        return True

    async def _apply_until_done(
        self, events: list[IncomingEvent], stopping: asyncio.Event
    ) -> list[tuple[IncomingEvent, str, str]] | None:
        """Apply the batch; on a non-transient error isolate the culprit(s) one by one.
        Returns the events that must be dead-lettered, or None when stopping first."""
        attempt = 0
        while True:
            try:
                await self._apply_batch(events)
                metrics.CONSUMER_BATCH.observe(len(events))
                return []
            except Exception as error:
                if not is_transient(error):
                    log.warning(
                        "consumer_batch_failed_isolating", error=str(error), size=len(events)
                    )
                    return await self._apply_one_by_one(events, stopping)
                attempt += 1
                metrics.CONSUMER_RETRIES.inc()
                delay = min(5.0, 0.05 * 2 ** min(attempt, 7))
                log.warning("consumer_transient_failure", error=str(error), retry_in_s=delay)
                if await stopped_within(stopping, delay):
                    return None

    async def _apply_one_by_one(
        self, events: list[IncomingEvent], stopping: asyncio.Event
    ) -> list[tuple[IncomingEvent, str, str]] | None:
        failed: list[tuple[IncomingEvent, str, str]] = []
        for event in events:
            attempt = 0
            while True:
                try:
                    await self._apply_batch([event])
                    break
                except Exception as error:
                    if not is_transient(error):
                        log.error(
                            "event_dead_lettered",
                            event_id=event.id,
                            type=event.type,
                            correlationid=event.correlation_id,
                            error=str(error),
                        )
                        failed.append((event, str(error)[:500], type(error).__name__))
                        break
                    attempt += 1
                    if await stopped_within(stopping, min(5.0, 0.05 * 2 ** min(attempt, 7))):
                        return None
        return failed

    async def _apply_batch(self, events: Sequence[IncomingEvent]) -> None:
        unique = list({e.id: e for e in events}.values())
        # One event alone (a retry, an isolated culprit) logs with its own ids.
        ids = (
            {"correlationid": unique[0].correlation_id, "causationid": unique[0].id}
            if len(unique) == 1
            else {}
        )
        with log_context(**ids):
            async with self._db.transaction() as conn:
                fresh_ids = {
                    row[0]
                    for row in await conn.fetch(
                        self._RECORD, [e.id for e in unique], [e.type for e in unique]
                    )
                }
                fresh = [e for e in unique if e.id in fresh_ids]
                for handler, types in self._plan:
                    mine = [e for e in fresh if e.type in types]
                    if mine:
                        await handler(conn, mine)
        outcomes = Counter(
            (e.topic, "applied" if e.id in fresh_ids else "duplicate") for e in unique
        )
        for (topic, outcome), count in outcomes.items():
            metrics.EVENTS_CONSUMED.labels(topic, outcome).inc(count)
        if len(unique) > 1:
            log.debug(
                "batch_applied",
                size=len(unique),
                fresh=len(fresh_ids),
                correlationids=[e.correlation_id for e in unique],
            )

    async def _dead_letter(self, dead: Sequence[Rejected]) -> None:
        failures: list[str] = []

        def delivered(error: KafkaError | None, _message: Message) -> None:
            if error is not None:
                failures.append(str(error))

        for d in dead:
            m = d.message
            headers = dead_letters.parking_headers(m, d.reason, d.error_type, self._group_id)
            self._dlq.produce(
                dlq_topic(m.topic() or ""),
                m.value(),
                m.key(),
                headers=headers,
                on_delivery=delivered,
            )
            metrics.EVENTS_CONSUMED.labels(m.topic() or "", "dead_lettered").inc()
            log.warning(
                "record_dead_lettered",
                topic=m.topic(),
                partition=m.partition(),
                offset=m.offset(),
                reason=d.reason,
            )
        # A failed delivery is reported to its callback, not by flush: without this check
        # the offsets would move past a record that is neither applied nor parked.
        remaining = await asyncio.to_thread(self._dlq.flush, 30)
        if remaining or failures:
            raise RuntimeError(f"dead-letter records were not acknowledged: {failures}")

    @property
    def _dlq(self) -> Producer:
        if self._dlq_producer is None:
            assert self._dlq_factory is not None
            self._dlq_producer = self._dlq_factory()
        return self._dlq_producer

    def _applied(self, messages: Sequence[Message]) -> None:
        """Remember the next offsets of a batch that is committed in the database."""
        for m in messages:
            if m.error() is None:
                key = (m.topic() or "", m.partition() or 0)
                self._uncommitted[key] = max(self._uncommitted.get(key, 0), (m.offset() or 0) + 1)

    def _commit_offsets(self, asynchronous: bool = True) -> None:
        if not self._uncommitted:
            return
        offsets, self._uncommitted = self._uncommitted, {}
        partitions = [TopicPartition(t, p, o) for (t, p), o in offsets.items()]
        if asynchronous:  # two calls: the stubs overload commit on a literal flag
            self._consumer.commit(offsets=partitions, asynchronous=True)
        else:
            self._consumer.commit(offsets=partitions, asynchronous=False)
        for (t, p), o in offsets.items():
            _low, high = self._consumer.get_watermark_offsets(TopicPartition(t, p), cached=True)
            if high >= 0:
                metrics.CONSUMER_LAG.labels(t, str(p)).set(max(0, high - o))

    def _on_revoke(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # Called inside poll (our thread), between batches: hand over what was applied.
        try:
            self._commit_offsets(asynchronous=False)
        except Exception as error:  # the new owner re-reads; the inbox absorbs it
            log.warning("offset_commit_on_revoke_failed", error=str(error))

    def _close(self) -> None:
        try:
            self._commit_offsets(asynchronous=False)
        except Exception as error:
            log.warning("offset_commit_on_close_failed", error=str(error))
        self._consumer.close()


def _type_of(headers: Any) -> str | None:
    """The record's `ce_type`, read without parsing the rest (None when absent)."""
    for name, value in headers or ():
        if name == "ce_type":
            return value.decode(errors="replace") if isinstance(value, bytes) else None
    return None
