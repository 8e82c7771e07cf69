"""Replaying the topics mypage consumes, from their beginning, into a copy of the read
model: the live consumer's own code (decoding, filtering, inbox, handlers, isolation of
a failing event) applied to every record there is, so the copy holds what the live read
model would hold had it consumed them all."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from questline.service_kit.inbox import InboxConsumer, Rejected
from questline.service_kit.logs import get_logger

log = get_logger(__name__)

Partition = tuple[str, int]


class Stopped(Exception):
    """Stopping while the database stayed away: nothing was switched."""


class TopicReplay:
    """Reads every partition of `topics` from offset 0 with a consumer that joins no
    group and commits nothing; `catch_up` reads up to the ends the topics have now."""

    def __init__(self, consumer: Consumer, topics: Sequence[str], batch_size: int = 500) -> None:
        self._consumer = consumer
        self._topics = list(topics)
        self._batch_size = batch_size
        self._next: dict[Partition, int] = {}  # the next offset to read, per partition
        self.records = 0  # read so far
        self.refused: list[Rejected] = []  # poison, or failing: the live group parked them

    async def open(self) -> list[str]:
        """Assign every partition from its beginning; returns what makes a replay
        incomplete (a partition whose oldest records are gone), if anything."""
        return await asyncio.to_thread(self._open)

    def _open(self) -> list[str]:
        metadata = self._consumer.list_topics(timeout=10)
        partitions = []
        for topic in self._topics:
            found = metadata.topics.get(topic)
            if found is None or found.error is not None:
                raise RuntimeError(f"topic {topic} is not there: {found and found.error}")
            partitions += [TopicPartition(topic, p, OFFSET_BEGINNING) for p in found.partitions]
        missing = []
        for tp in partitions:
            low, _high = self._consumer.get_watermark_offsets(tp, timeout=10)
            self._next[(tp.topic, tp.partition)] = 0
            if low > 0:
                missing.append(f"{tp.topic}[{tp.partition}] starts at offset {low}, not 0")
        self._consumer.assign(partitions)
        return missing

    async def park(self, refused: Sequence[Rejected]) -> None:
        """Instead of the DLQ: the live consumer group parked these records already."""
        self.refused += refused
        for r in refused:
            log.warning(
                "replay_record_refused",
                topic=r.message.topic(),
                partition=r.message.partition(),
                offset=r.message.offset(),
                reason=r.reason,
            )

    async def catch_up(self, inbox: InboxConsumer, stopping: asyncio.Event) -> int:
        """Apply every record up to the ends the partitions have now; returns how many
        were read."""
        ends = await asyncio.to_thread(self._ends)
        behind = {p for p, end in ends.items() if self._next.get(p, 0) < end}
        read = 0
        while behind:
            messages = await asyncio.to_thread(self._consumer.consume, self._batch_size, 0.5)
            if messages:
                if not await inbox.process(messages, stopping):
                    raise Stopped("stopped while the database was away")
                read += len(messages)
                for m in messages:
                    if m.error() is None:
                        p = (m.topic() or "", m.partition() or 0)
                        self._next[p] = max(self._next.get(p, 0), (m.offset() or 0) + 1)
            else:
                # Nothing left to fetch, yet short of the end: offsets with no record
                # (e.g. transaction markers). Where the consumer stands is what counts.
                for tp in await asyncio.to_thread(self._positions, behind):
                    if tp.offset >= 0:
                        p = (tp.topic, tp.partition)
                        self._next[p] = max(self._next.get(p, 0), tp.offset)
            behind = {p for p in behind if self._next.get(p, 0) < ends[p]}
        self.records += read
        return read

    def _ends(self) -> dict[Partition, int]:
        ends = {}
        for p in self._next:
            _low, high = self._consumer.get_watermark_offsets(TopicPartition(*p), timeout=10)
            ends[p] = high
        return ends

    def _positions(self, partitions: set[Partition]) -> list[TopicPartition]:
        return list(self._consumer.position([TopicPartition(t, p) for t, p in partitions]))

    @property
    def consumer(self) -> Consumer:
        return self._consumer

    def close(self) -> None:
        self._consumer.close()
