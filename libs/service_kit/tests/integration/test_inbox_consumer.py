"""The inbox consumer on a real broker and a real database: once-only effects, batches,
poison messages to the DLQ, transient failures retried, offsets after the commit."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pytest
from confluent_kafka import Consumer, Producer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from questline.contracts.events import MissionAchieved
from questline.devstack.testing import eventually
from questline.service_kit import kafka
from questline.service_kit.db import Connection, Database
from questline.service_kit.envelope import IncomingEvent, to_record
from questline.service_kit.inbox import InboxConsumer

from .conftest import effects, inbox

pytestmark = pytest.mark.integration


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


async def test_a_redelivered_event_has_no_second_effect(infra, engine, database, topic):
    same = record(event_id=str(uuid.uuid4()))
    others = [record() for _ in range(20)]
    send(infra.bootstrap, topic, [as_item(same), *map(as_item, others), as_item(same)])
    running = Running(make_consumer(infra, database, topic, recording_apply()))
    try:
        await eventually(lambda: _equals(count_effects(engine), 21))
        assert await count_effects(engine, same.event_id) == 1
    finally:
        await running.stop()


async def test_poison_records_go_to_the_dlq_with_the_error_and_later_ones_still_apply(
    infra, engine, database, topic
):
    good = record()
    unknown_version = record()
    unknown_version.headers["ce_type"] = "questline.mission.achieved.v9"
    invalid = record()
    send(
        infra.bootstrap,
        topic,
        [
            (b"c-1", [], b"not a cloud event"),
            as_item(unknown_version),
            (invalid.key.encode(), list(invalid.headers.items()), b'{"missionId": 1}'),
            as_item(good),
        ],
    )
    running = Running(make_consumer(infra, database, topic, recording_apply()))
    try:
        await eventually(lambda: _equals(count_effects(engine, good.event_id), 1))
        dead = await asyncio.to_thread(read_all, infra.bootstrap, f"{topic}.dlq", 3)
    finally:
        await running.stop()
    assert len(dead) == 3
    reasons = [h["dlq_error"].decode() for h in dead]
    assert any("v9" in r for r in reasons)
    assert all(h["dlq_source_topic"].decode() == topic for h in dead)
    assert await count_effects(engine) == 1


async def test_an_event_whose_handler_keeps_failing_is_dead_lettered_alone(
    infra, engine, database, topic
):
    bad = record()
    batch = [record() for _ in range(5)] + [bad] + [record() for _ in range(5)]
    send(infra.bootstrap, topic, [as_item(r) for r in batch])
    apply = recording_apply(lambda e: ValueError("a bug") if e.id == bad.event_id else None)
    running = Running(make_consumer(infra, database, topic, apply))
    try:
        await eventually(lambda: _equals(count_effects(engine), 10))
        dead = await asyncio.to_thread(read_all, infra.bootstrap, f"{topic}.dlq", 1)
    finally:
        await running.stop()
    assert dead[0]["ce_id"].decode() == bad.event_id
    assert dead[0]["dlq_error_type"] == b"ValueError"
    async with engine.connect() as conn:  # the failed event is not in the inbox: a retry may
        inboxed = set((await conn.execute(select(inbox.c.event_id))).scalars())
    assert bad.event_id not in inboxed and len(inboxed) == 10


async def test_a_transient_failure_is_retried_and_never_skipped(infra, engine, database, topic):
    events = [record() for _ in range(5)]
    send(infra.bootstrap, topic, [as_item(r) for r in events])
    failures = iter([ConnectionError("db down")] * 3)
    running = Running(
        make_consumer(infra, database, topic, recording_apply(lambda e: next(failures, None)))
    )
    try:
        await eventually(lambda: _equals(count_effects(engine), 5))
    finally:
        await running.stop()
    assert next(failures, None) is None  # all three failures were met first


async def test_offsets_are_committed_after_the_database_commit(infra, engine, database, topic):
    group = uuid.uuid4().hex
    send(infra.bootstrap, topic, [as_item(record()) for _ in range(30)])
    applied: list[int] = []

    async def apply(conn: Connection, events: Sequence[IncomingEvent]) -> None:
        applied.append(len(events))
        await recording_apply()(conn, events)

    first = Running(make_consumer(infra, database, topic, apply, group=group))
    await eventually(lambda: _equals(count_effects(engine), 30))
    await first.stop()
    send(infra.bootstrap, topic, [as_item(record()) for _ in range(5)])
    applied.clear()
    second = Running(make_consumer(infra, database, topic, apply, group=group))
    try:
        await eventually(lambda: _equals(count_effects(engine), 35))
    finally:
        await second.stop()
    assert sum(applied) == 5  # the 30 committed records were not read again


def read_all(bootstrap: str, topic: str, expected: int, timeout: float = 30) -> list[dict]:
    import time

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


async def _equals(value, expected) -> bool:  # type: ignore[no-untyped-def]
    return await value == expected


async def test_event_ids_older_than_the_retention_are_forgotten_and_recent_ones_kept(
    infra, engine, database, topic
):
    from sqlalchemy import text

    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO inbox (event_id, event_type, received_at) VALUES "
                "('old', 't', now() - interval '30 days'), ('new', 't', now())"
            )
        )
    consumer = make_consumer(infra, database, topic, recording_apply())
    await consumer._purge_inbox()
    async with engine.connect() as conn:
        kept = set((await conn.execute(select(inbox.c.event_id))).scalars())
    assert kept == {"new"}
