"""A replay starts every partition at offset 0 and refuses topics that lost records."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, TopicPartition

from questline.mypage.adapters.inbound.replay import TopicReplay


class FakeConsumer:
    def __init__(self, lows: dict[tuple[str, int], int]) -> None:
        self.lows = lows
        self.assigned: list[TopicPartition] = []

    def list_topics(self, timeout: float) -> Any:
        partitions: dict[str, dict[int, None]] = {}
        for topic, partition in self.lows:
            partitions.setdefault(topic, {})[partition] = None
        return SimpleNamespace(
            topics={t: SimpleNamespace(error=None, partitions=p) for t, p in partitions.items()}
        )

    def get_watermark_offsets(self, tp: TopicPartition, timeout: float) -> tuple[int, int]:
        return self.lows[(tp.topic, tp.partition)], 100

    def assign(self, partitions: list[TopicPartition]) -> None:
        self.assigned = partitions


async def test_every_partition_is_read_from_its_beginning() -> None:
    consumer = FakeConsumer({("mission.events", 0): 0, ("mission.events", 1): 0})

    assert await TopicReplay(consumer, ["mission.events"]).open() == []  # type: ignore[arg-type]

    assert [(tp.partition, tp.offset) for tp in consumer.assigned] == [
        (0, OFFSET_BEGINNING),
        (1, OFFSET_BEGINNING),
    ]


async def test_a_partition_whose_oldest_records_are_gone_is_reported() -> None:
    consumer = FakeConsumer({("wallet.events", 0): 0, ("wallet.events", 1): 42})

    missing = await TopicReplay(consumer, ["wallet.events"]).open()  # type: ignore[arg-type]

    assert missing == ["wallet.events[1] starts at offset 42, not 0"]
