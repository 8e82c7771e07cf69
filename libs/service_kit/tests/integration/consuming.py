"""What the integration tests of consumers share: test events, a producer, a consumer
whose effect is one row per applied event, and a way to run and stop it."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from confluent_kafka import OFFSET_BEGINNING, Consumer, Message, Producer, TopicPartition
from prometheus_client import REGISTRY
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from questline.contracts.events import MissionAchieved
from questline.service_kit import kafka
from questline.service_kit.db import Connection, Database
from questline.service_kit.envelope import IncomingEvent, to_record
from questline.service_kit.inbox import InboxConsumer

from .conftest import effects


def record(customer: str = "c-1", event_id: str | None = None):  # type: ignore[no-untyped-def]
    data = MissionAchieved(
        mission_id=str(uuid.uuid4()),
        customer_id=customer,
        mission_code="first-win",
        points=10,
        achieved_at=datetime.now(UTC),
    )
    return to_record(data, "/test", causation_id="cause", event_id=event_id)


def send(bootstrap: str, topic: str, items: Sequence[tuple[bytes | None, list, bytes | None]]):  # type: ignore[no-untyped-def]
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for key, headers, value in items:
        producer.produce(topic, value, key, headers=headers)
    assert producer.flush(30) == 0


def as_item(r):  # type: ignore[no-untyped-def]
    return (r.key.encode(), list(r.headers.items()), r.value)


def recording_apply(fail: Callable[[IncomingEvent], Exception | None] = lambda e: None):  # type: ignore[no-untyped-def]
    async def apply(conn: Connection, events: Sequence[IncomingEvent]) -> None:
        for e in events:
            error = fail(e)
            if error is not None:
                raise error
            await conn.execute(
                "INSERT INTO effects (n, event_id) VALUES ($1, $2)", uuid.uuid4().hex, e.id
            )

    return apply


def make_consumer(
    infra, database: Database, topic: str, apply, group: str | None = None, batch: int = 500
) -> InboxConsumer:  # type: ignore[no-untyped-def]
    group = group or uuid.uuid4().hex
    return InboxConsumer(
        database=database,
        consumer=kafka.consumer(infra.bootstrap, group, "test", 6000),
        dlq_producer=kafka.producer(infra.bootstrap, "test-dlq"),
        handlers={MissionAchieved: apply},
        topics=[topic],
        group_id=group,
        batch_size=batch,
    )


async def count_effects(engine: AsyncEngine, event_id: str | None = None) -> int:
    stmt = select(func.count()).select_from(effects)
    if event_id is not None:
        stmt = stmt.where(effects.c.event_id == event_id)
    async with engine.connect() as conn:
        return int((await conn.execute(stmt)).scalar_one())


class Running:
    def __init__(self, consumer: InboxConsumer) -> None:
        self.stopping = asyncio.Event()
        self.task = asyncio.create_task(consumer.run(self.stopping))

    async def stop(self) -> None:
        self.stopping.set()
        await asyncio.wait_for(self.task, 30)


def read_all(bootstrap: str, topic: str, expected: int, timeout: float = 30) -> list[dict]:
    """The headers of the first `expected` records on `topic` (fewer after `timeout`)."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": uuid.uuid4().hex,
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([topic])
    found: list[dict] = []
    deadline = time.monotonic() + timeout
    try:
        while len(found) < expected and time.monotonic() < deadline:
            for m in consumer.consume(100, 0.5):
                if m.error() is None:
                    found.append(dict(m.headers() or []))
    finally:
        consumer.close()
    return found


async def equals(value, expected) -> bool:  # type: ignore[no-untyped-def]
    return await value == expected


def read_topic(bootstrap: str, topic: str, timeout: float = 30) -> list[Message]:
    """Every record on `topic` now, from the beginning of each partition to its end."""
    reader = Consumer({"bootstrap.servers": bootstrap, "group.id": uuid.uuid4().hex})
    try:
        partitions = reader.list_topics(topic, timeout=timeout).topics[topic].partitions
        ends = {}
        for p in partitions:
            low, high = reader.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)
            if high > low:
                ends[p] = high
        reader.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in ends])
        found: list[Message] = []
        deadline = time.monotonic() + timeout
        while ends and time.monotonic() < deadline:
            for m in reader.consume(100, 0.5):
                if m.error() is None:
                    found.append(m)
                    if (m.offset() or 0) + 1 >= ends.get(m.partition() or 0, 0):
                        ends.pop(m.partition() or 0, None)
    finally:
        reader.close()
    assert not ends, f"{topic} not read to its end"
    return found


def consumed(topic: str, outcome: str) -> float:
    """How many events of `topic` consumers of this process counted with `outcome`."""
    value = REGISTRY.get_sample_value(
        "questline_events_consumed_total", {"topic": topic, "outcome": outcome}
    )
    return value or 0.0
