"""The inbox consumer on a real broker and a real database: once-only effects, batches,
poison messages to the DLQ, transient failures retried, offsets after the commit."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import pytest
from sqlalchemy import select

from questline.devstack.testing import eventually
from questline.service_kit.db import Connection
from questline.service_kit.envelope import IncomingEvent
from questline.service_kit.inbox import InboxConsumer

from .conftest import inbox
from .consuming import (
    Running,
    as_item,
    count_effects,
    equals,
    make_consumer,
    read_all,
    record,
    recording_apply,
    send,
)

pytestmark = pytest.mark.integration


async def test_a_redelivered_event_has_no_second_effect(infra, engine, database, topic):
    same = record(event_id=str(uuid.uuid4()))
    others = [record() for _ in range(20)]
    send(infra.bootstrap, topic, [as_item(same), *map(as_item, others), as_item(same)])
    running = Running(make_consumer(infra, database, topic, recording_apply()))
    try:
        await eventually(lambda: equals(count_effects(engine), 21))
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
        await eventually(lambda: equals(count_effects(engine, good.event_id), 1))
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
        await eventually(lambda: equals(count_effects(engine), 10))
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
        await eventually(lambda: equals(count_effects(engine), 5))
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
    await eventually(lambda: equals(count_effects(engine), 30))
    await first.stop()
    send(infra.bootstrap, topic, [as_item(record()) for _ in range(5)])
    applied.clear()
    second = Running(make_consumer(infra, database, topic, apply, group=group))
    try:
        await eventually(lambda: equals(count_effects(engine), 35))
    finally:
        await second.stop()
    assert sum(applied) == 5  # the 30 committed records were not read again


@pytest.mark.parametrize(
    ("old_ids", "batch"),
    [
        pytest.param(1, InboxConsumer.PURGE_BATCH, id="one-statement"),
        pytest.param(25, 10, id="bounded-batches"),  # three statements: 10, 10 and 5
    ],
)
async def test_event_ids_older_than_the_retention_are_forgotten_and_recent_ones_kept(
    infra, engine, database, topic, old_ids, batch
):
    from sqlalchemy import text

    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO inbox (event_id, event_type, received_at) SELECT 'old-' || n, 't', "
                "now() - interval '30 days' FROM generate_series(1, :n) n"
            ),
            {"n": old_ids},
        )
        await conn.execute(text("INSERT INTO inbox (event_id, event_type) VALUES ('new', 't')"))
    consumer = make_consumer(infra, database, topic, recording_apply())
    consumer.PURGE_BATCH = batch
    await consumer._purge_inbox()
    async with engine.connect() as conn:
        kept = set((await conn.execute(select(inbox.c.event_id))).scalars())
    assert kept == {"new"}
