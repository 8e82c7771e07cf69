"""How far behind the system is: Kafka consumer-group lag plus unsent outbox rows.

The total (events not yet consumed by every group + rows not yet relayed) is the
backlog: when it is zero every accepted achievement is settled (reward in the wallet,
achievement linked, My Page updated).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec  # type: ignore[attr-defined]

from bench.footprint import HARNESS_BACKENDS

GROUPS = ("questline.reward", "questline.wallet", "questline.mission", "questline.mypage")
_UNSENT = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
_ALL_ROWS = "SELECT count(*) FROM outbox"  # if a relay deletes rows instead of marking
_log = logging.getLogger(__name__)
_LATEST = OffsetSpec.latest()  # type: ignore[no-untyped-call]
_EARLIEST = OffsetSpec.earliest()  # type: ignore[no-untyped-call]


def plain_dsn(sqlalchemy_url: str) -> str:
    """postgresql+asyncpg://… (SQLAlchemy) -> postgresql://… (asyncpg)."""
    scheme, rest = sqlalchemy_url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgresql") else sqlalchemy_url


class KafkaLag:
    """Lag of consumer groups: partition end offset minus the group's committed offset."""

    def __init__(self, bootstrap: str, groups: Iterable[str] = GROUPS) -> None:
        self.groups = tuple(groups)
        config: dict[str, Any] = {
            "bootstrap.servers": bootstrap,
            "logger": logging.getLogger("bench.librdkafka"),
        }
        self._admin = AdminClient(config)

    def lag(self, timeout: float = 5.0) -> dict[str, int | None]:
        """Per group: the sum over its partitions; None when the broker did not answer."""
        committed: dict[str, dict[tuple[str, int], int]] = {}
        for group in self.groups:
            committed[group] = self._committed(group, timeout)
        assigned = self._assigned(timeout)
        wanted: set[tuple[str, int]] = set()
        for group in self.groups:
            wanted |= set(committed[group]) | assigned.get(group, set())
        ends = self._offsets(wanted, _LATEST, timeout)
        starts: dict[tuple[str, int], int] = {}
        missing = {tp for g in self.groups for tp in assigned.get(g, set()) - set(committed[g])}
        if missing:
            starts = self._offsets(missing, _EARLIEST, timeout)
        out: dict[str, int | None] = {}
        for group in self.groups:
            total = 0
            for tp in set(committed[group]) | assigned.get(group, set()):
                end = ends.get(tp)
                if end is None:
                    continue
                done = committed[group].get(tp, starts.get(tp, 0))
                total += max(0, end - done)
            out[group] = total
        return out

    def _committed(self, group: str, timeout: float) -> dict[tuple[str, int], int]:
        request = [ConsumerGroupTopicPartitions(group)]
        future = self._admin.list_consumer_group_offsets(request, request_timeout=timeout)[group]
        result = future.result(timeout)
        return {
            (tp.topic, tp.partition): tp.offset
            for tp in result.topic_partitions or []
            if tp.offset >= 0
        }

    def _assigned(self, timeout: float) -> dict[str, set[tuple[str, int]]]:
        out: dict[str, set[tuple[str, int]]] = {}
        futures = self._admin.describe_consumer_groups(list(self.groups), request_timeout=timeout)
        for group, future in futures.items():
            try:
                description = future.result(timeout)
            except KafkaException:
                continue
            parts: set[tuple[str, int]] = set()
            for member in description.members or []:
                for tp in member.assignment.topic_partitions or []:
                    parts.add((tp.topic, tp.partition))
            out[group] = parts
        return out

    def _offsets(
        self, partitions: set[tuple[str, int]], spec: OffsetSpec, timeout: float
    ) -> dict[tuple[str, int], int]:
        if not partitions:
            return {}
        request = {TopicPartition(t, p): spec for t, p in partitions}
        futures = self._admin.list_offsets(request, request_timeout=timeout)
        return {
            (tp.topic, tp.partition): future.result(timeout).offset
            for tp, future in futures.items()
        }


class OutboxCount:
    """Unsent outbox rows per service database (services without an outbox are skipped)."""

    def __init__(self, database_urls: dict[str, str]) -> None:
        self._dsns = {name: plain_dsn(url) for name, url in database_urls.items()}
        self._conns: dict[str, asyncpg.Connection] = {}
        self._query: dict[str, str] = {}

    async def open(self) -> None:
        for name, dsn in self._dsns.items():
            conn = await asyncpg.connect(dsn)
            try:
                await conn.fetchval(_UNSENT)
                self._query[name] = _UNSENT
            except asyncpg.UndefinedColumnError:
                self._query[name] = _ALL_ROWS
            except asyncpg.UndefinedTableError:
                await conn.close()
                continue
            self._conns[name] = conn
            HARNESS_BACKENDS.add(conn.get_server_pid())

    async def unsent(self) -> dict[str, int]:
        return {
            name: int(await conn.fetchval(self._query[name])) for name, conn in self._conns.items()
        }

    async def close(self) -> None:
        for conn in self._conns.values():
            HARNESS_BACKENDS.discard(conn.get_server_pid())
            await conn.close()
        self._conns.clear()


@dataclass
class BacklogPoint:
    t: float  # seconds since the sampler's origin
    total: int | None
    lag: dict[str, int | None]
    outbox: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return {"t": round(self.t, 2), "total": self.total, "lag": self.lag, "outbox": self.outbox}


@dataclass
class Backlog:
    """Samples the backlog; `watch()` runs a background sampler every `interval` s."""

    kafka: KafkaLag
    outbox: OutboxCount
    interval: float = 0.5
    # Called (in a thread) with the tick number after each sample: e.g. a footprint.
    on_sample: Callable[[int], None] | None = None
    points: list[BacklogPoint] = field(default_factory=list)
    origin: float = field(default_factory=time.monotonic)
    _task: asyncio.Task[None] | None = None

    async def sample(self) -> BacklogPoint:
        try:
            lag = await asyncio.to_thread(self.kafka.lag)
        except (KafkaException, TimeoutError) as error:
            _log.warning("consumer lag unavailable: %s", error)
            lag = dict.fromkeys(self.kafka.groups)
        outbox = await self.outbox.unsent()
        values = list(lag.values())
        total = (
            None
            if any(v is None for v in values)
            else sum(v or 0 for v in values) + sum(outbox.values())
        )
        point = BacklogPoint(time.monotonic() - self.origin, total, lag, outbox)
        self.points.append(point)
        if self.on_sample is not None:
            await asyncio.to_thread(self.on_sample, len(self.points) - 1)
        return point

    def start(self, origin: float | None = None) -> None:
        self.points = []
        self.origin = origin if origin is not None else time.monotonic()
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> list[BacklogPoint]:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        return self.points

    async def _loop(self) -> None:
        while True:
            started = time.monotonic()
            await self.sample()
            await asyncio.sleep(max(0.0, self.interval - (time.monotonic() - started)))

    async def wait_drained(self, timeout: float, after: float | None = None) -> float | None:
        """Wait until the backlog is seen at zero (in a sample taken at or after the
        monotonic time `after`); return the time of that sample, or None on timeout.
        Uses the background sampler's points while it runs, else samples itself."""
        after = time.monotonic() if after is None else after
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            if self._task is None:
                await self.sample()
            fresh, seen = self.points[seen:], len(self.points)
            for point in fresh:
                if point.total == 0 and self.origin + point.t >= after:
                    return self.origin + point.t
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(self.interval if self._task is None else self.interval / 4)
