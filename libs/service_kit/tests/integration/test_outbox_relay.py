"""The transactional outbox and its relay, on real PostgreSQL and a real Kafka broker."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

import pytest
from confluent_kafka import Consumer
from sqlalchemy import text

from questline.contracts.events import MissionAchieved
from questline.service_kit import kafka
from questline.service_kit.outbox import OutboxRelay, OutboxWriter
from questline.service_kit.uow import SqlUnitOfWork

pytestmark = pytest.mark.integration


def achieved(customer: str) -> MissionAchieved:
    return MissionAchieved(
        mission_id=str(uuid.uuid4()),
        customer_id=customer,
        mission_code="first-win",
        points=50,
        achieved_at=datetime.now(UTC),
    )


def writer() -> OutboxWriter:
    return OutboxWriter(source="/test")


def read_ids(bootstrap: str, topic: str, wanted: set[str], timeout: float = 30) -> list[str]:
    """Every ce_id on `topic` that is in `wanted`, duplicates included."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": uuid.uuid4().hex,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    seen: list[str] = []
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not wanted <= set(seen):
            for m in consumer.consume(500, 0.5):
                if m.error() is None:
                    ce_id = dict(m.headers() or []).get("ce_id", b"").decode()
                    if ce_id in wanted:
                        seen.append(ce_id)
        # Drain what else is there, to catch duplicates.
        for m in consumer.consume(500, 1.0):
            ce_id = dict(m.headers() or []).get("ce_id", b"").decode()
            if ce_id in wanted:
                seen.append(ce_id)
    finally:
        consumer.close()
    return seen


async def _three_events_published(engine, database, infra, **relay_options) -> tuple[set, list]:
    """Three events committed with a state change, then relayed: their ids and the outbox
    rows left behind (event id, sent at)."""
    customer = f"c-{uuid.uuid4().hex[:8]}"
    async with SqlUnitOfWork(outbox=writer(), database=database, causation_id="cmd-1") as uow:
        await uow.conn.execute("INSERT INTO effects VALUES ('state', '-')")
        uow.stage([achieved(customer) for _ in range(3)])
    async with engine.connect() as conn:
        ids = {r.event_id for r in await conn.execute(text("SELECT event_id FROM outbox"))}
    relay = OutboxRelay(database, kafka.producer(infra.bootstrap, "test-relay"), **relay_options)
    assert await relay.publish_batch() == 3
    assert await relay.publish_batch() == 0  # nothing left unsent
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT event_id, published_at FROM outbox"))).all()
    assert sorted(
        await asyncio.to_thread(read_ids, infra.bootstrap, "mission.events", ids)
    ) == sorted(ids)
    return ids, rows


async def test_events_committed_with_the_state_change_are_published_once_and_deleted(
    engine, database, infra
):
    ids, rows = await _three_events_published(engine, database, infra)
    assert len(ids) == 3 and rows == []


async def test_with_a_retention_sent_events_stay_marked_sent(engine, database, infra):
    ids, rows = await _three_events_published(engine, database, infra, retention_seconds=60)
    assert {r.event_id for r in rows} == ids
    assert all(r.published_at is not None for r in rows)


async def test_a_rolled_back_use_case_leaves_no_event_behind(engine, database):
    async def failing_use_case() -> None:
        async with SqlUnitOfWork(outbox=writer(), database=database) as uow:
            uow.stage([achieved("c-rollback")])
            raise RuntimeError("the use case failed")

    with pytest.raises(RuntimeError):
        await failing_use_case()
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar() == 0


async def test_two_relays_share_the_backlog_without_publishing_a_row_twice(engine, database, infra):
    async with SqlUnitOfWork(outbox=writer(), database=database) as uow:
        uow.stage([achieved(f"c-{i % 7}") for i in range(400)])
    async with engine.connect() as conn:
        ids = set((await conn.execute(text("SELECT event_id FROM outbox"))).scalars())
    relays = [
        OutboxRelay(database, kafka.producer(infra.bootstrap, f"r{i}"), batch_size=50)
        for i in range(2)
    ]

    async def drain(relay: OutboxRelay) -> int:
        total = 0
        while (sent := await relay.publish_batch()) > 0:
            total += sent
        return total

    counts = await asyncio.gather(*(drain(r) for r in relays))
    assert sum(counts) == 400
    published = await asyncio.to_thread(read_ids, infra.bootstrap, "mission.events", ids)
    assert len(published) == 400 and set(published) == ids
