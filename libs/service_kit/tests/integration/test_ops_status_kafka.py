"""The operators' status read from a real broker: a group's lag from its committed
offsets and the partitions' ends, and only its own dead letters counted."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from questline.service_kit.dead_letters import CONSUMER_GROUP
from questline.service_kit.ops import KafkaStatus, OpsStatus

pytestmark = pytest.mark.integration


def produce(bootstrap: str, topic: str, partition: int, n: int, group: str | None = None) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for i in range(n):
        headers = [("ce_id", f"e-{uuid.uuid4().hex}")]
        if group is not None:
            headers.append((CONSUMER_GROUP, group.encode()))
        producer.produce(topic, f"r{i}".encode(), b"k", partition=partition, headers=headers)
    assert producer.flush(10) == 0


def commit(bootstrap: str, group: str, topic: str, partition: int, offset: int) -> None:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        consumer.commit(offsets=[TopicPartition(topic, partition, offset)], asynchronous=False)
    finally:
        consumer.close()


async def test_the_status_shows_how_far_the_group_is_behind_and_its_dead_letters(
    infra, topic: str
) -> None:
    group = f"it.ops.{uuid.uuid4().hex[:8]}"
    await asyncio.to_thread(produce, infra.bootstrap, topic, 0, 5)
    await asyncio.to_thread(produce, infra.bootstrap, topic, 1, 2)
    await asyncio.to_thread(commit, infra.bootstrap, group, topic, 0, 3)
    await asyncio.to_thread(produce, infra.bootstrap, f"{topic}.dlq", 0, 2, group)
    await asyncio.to_thread(produce, infra.bootstrap, f"{topic}.dlq", 1, 1, "another.group")

    status = OpsStatus("test", group, KafkaStatus(infra.bootstrap, group, [topic]), {})
    body = await status.snapshot()

    assert body["unavailable"] == []
    lag = {(p["topic"], p["partition"]): p for p in body["consumerLag"]["partitions"]}
    assert lag[(topic, 0)] == {"topic": topic, "partition": 0, "committed": 3, "end": 5, "lag": 2}
    assert lag[(topic, 1)]["committed"] is None and lag[(topic, 1)]["lag"] == 2
    assert lag[(topic, 2)]["lag"] == 0
    assert body["consumerLag"]["total"] == 4
    assert body["deadLetters"] == 2
