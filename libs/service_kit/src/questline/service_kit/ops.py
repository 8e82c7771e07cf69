"""The operators' view of one service, `GET /ops/<service>/status` (scope liveops): how
far its consumer group is behind (committed offsets against the partitions' ends), how
many records it parked as dead letters, and figures the service adds (wallet's circuit
breaker, mission's achievements in the last minute).

Each part is read on its own: a part that cannot be read (Kafka down) is named in
`unavailable` and the others are still answered. Kafka's answers are kept for a couple
of seconds, so a console refreshing often costs the broker little.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from confluent_kafka import Consumer, TopicPartition
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from questline.contracts.registry import dlq_topic
from questline.service_kit import dead_letters
from questline.service_kit.caller import AUTH_RESPONSES, LIVEOPS, Caller, requires
from questline.service_kit.kafka import RECONNECT
from questline.service_kit.logs import get_logger

log = get_logger(__name__)

Figure = Callable[[], Awaitable[Any]]
"""A figure a service adds to its status (read when asked)."""

KAFKA_TIMEOUT_S = 5.0
CACHE_S = 2.0


@dataclass(frozen=True, slots=True)
class PartitionLag:
    topic: str
    partition: int
    committed: int | None  # None: the group never committed here
    end: int
    lag: int


def lag_of(
    committed: Mapping[tuple[str, int], int | None],
    watermarks: Mapping[tuple[str, int], tuple[int, int]],
) -> list[PartitionLag]:
    """Records not yet consumed per partition. Without a commit (or below the low
    watermark, records deleted by retention) the group starts at the low watermark, as
    `auto.offset.reset=earliest` does."""
    rows = []
    for (topic, partition), (low, high) in sorted(watermarks.items()):
        done = committed.get((topic, partition))
        start = low if done is None or done < low else done
        rows.append(PartitionLag(topic, partition, done, high, max(0, high - start)))
    return rows


class KafkaStatus:
    """Reads one consumer group's lag and dead letters from the broker (blocking calls,
    run in a thread). A consumer that never subscribes asks for the group's committed
    offsets: it joins no group and commits nothing. (The admin client's offset listing
    crashes librdkafka 2.16 when the coordinator is not ready yet, hence no admin here.)"""

    def __init__(self, bootstrap: str, group: str, topics: Sequence[str]) -> None:
        self._bootstrap = bootstrap
        self._group = group
        self._topics = list(topics)

    @property
    def consuming(self) -> bool:
        return bool(self._topics)

    def lag(self) -> list[PartitionLag]:
        reader = Consumer(
            {
                "bootstrap.servers": self._bootstrap,
                "group.id": self._group,
                "client.id": f"{self._group}.ops-status",
                "enable.auto.commit": False,
                **RECONNECT,
            }
        )
        try:
            metadata = reader.list_topics(timeout=KAFKA_TIMEOUT_S)
            partitions = [
                TopicPartition(t, p)
                for t in self._topics
                if (found := metadata.topics.get(t)) is not None
                for p in found.partitions
            ]
            committed = {
                (tp.topic, tp.partition): (tp.offset if tp.offset >= 0 else None)
                for tp in reader.committed(partitions, timeout=KAFKA_TIMEOUT_S)
            }
            watermarks = {
                (tp.topic, tp.partition): reader.get_watermark_offsets(tp, KAFKA_TIMEOUT_S)
                for tp in partitions
            }
        finally:
            reader.close()
        return lag_of(committed, watermarks)

    def dead_letters(self) -> int:
        topics = [dlq_topic(t) for t in self._topics]
        return len(dead_letters.read(self._bootstrap, topics, self._group, KAFKA_TIMEOUT_S))


class OpsStatus:
    def __init__(
        self, service: str, group: str, kafka: KafkaStatus, figures: Mapping[str, Figure]
    ) -> None:
        self.service = service
        self.group = group
        self._kafka = kafka
        self._figures = dict(figures)
        self._cached: tuple[float, dict[str, Any]] | None = None
        self._reading = asyncio.Lock()

    async def snapshot(self) -> dict[str, Any]:
        unavailable: list[str] = []
        kafka = await self._kafka_parts()
        unavailable += kafka["unavailable"]
        figures: dict[str, Any] = {}
        for name, read in self._figures.items():
            try:
                figures[name] = await read()
            except Exception as error:
                log.warning("ops_figure_unavailable", figure=name, error=repr(error))
                figures[name] = None
                unavailable.append(name)
        return {
            "service": self.service,
            "consumerGroup": self.group if self._kafka.consuming else None,
            "consumerLag": kafka["consumerLag"],
            "deadLetters": kafka["deadLetters"],
            "figures": figures,
            "unavailable": unavailable,
            "checkedAt": datetime.now(UTC),
        }

    async def _kafka_parts(self) -> dict[str, Any]:
        if not self._kafka.consuming:  # e.g. gift, or an HTTP-only replica
            return {"consumerLag": None, "deadLetters": None, "unavailable": []}
        async with self._reading:  # concurrent requests share one read
            if self._cached is not None and time.monotonic() - self._cached[0] < CACHE_S:
                return self._cached[1]
            parts: dict[str, Any] = {"consumerLag": None, "deadLetters": None, "unavailable": []}
            try:
                rows = await asyncio.to_thread(self._kafka.lag)
                parts["consumerLag"] = {
                    "total": sum(r.lag for r in rows),
                    "partitions": [_camel(r) for r in rows],
                }
            except Exception as error:
                log.warning("ops_lag_unavailable", error=repr(error))
                parts["unavailable"].append("consumerLag")
            try:
                parts["deadLetters"] = await asyncio.to_thread(self._kafka.dead_letters)
            except Exception as error:
                log.warning("ops_dead_letters_unavailable", error=repr(error))
                parts["unavailable"].append("deadLetters")
            self._cached = (time.monotonic(), parts)
            return parts


def _camel(row: PartitionLag) -> dict[str, Any]:
    return {
        "topic": row.topic,
        "partition": row.partition,
        "committed": row.committed,
        "end": row.end,
        "lag": row.lag,
    }


class _Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class PartitionLagResponse(_Body):
    topic: str
    partition: int
    committed: int | None
    end: int
    lag: int


class ConsumerLagResponse(_Body):
    total: int
    partitions: list[PartitionLagResponse]


class OpsStatusResponse(_Body):
    service: str
    consumer_group: str | None = Field(description="None: this process runs no consumer")
    consumer_lag: ConsumerLagResponse | None
    dead_letters: int | None
    figures: dict[str, Any]
    unavailable: list[str]
    checked_at: datetime


def ops_router(status: OpsStatus) -> APIRouter:
    api = APIRouter(tags=["platform"])

    @api.get(
        f"/ops/{status.service}/status",
        response_model=OpsStatusResponse,
        summary="Consumer lag, dead letters and this service's own figures (operators)",
        responses=AUTH_RESPONSES,
    )
    async def ops_status(caller: Annotated[Caller, requires(LIVEOPS)]) -> dict[str, Any]:
        return await status.snapshot()

    return api
