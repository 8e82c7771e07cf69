"""The system on a Kafka cluster of three, as `make run KAFKA_BROKERS=3` runs it: every
topic kept three times (two copies in sync before a write counts), so one broker may
crash or be rolled under load. A broker killed -9 mid-burst and restarted later, then
all three rolled one by one while achievements keep coming: no reward lost, none
doubled, the audit clean, and the longest pause in settling printed."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from confluent_kafka import KafkaException
from confluent_kafka.admin import (  # type: ignore[attr-defined]
    AdminClient,
    ConfigResource,
    ResourceType,
)

from questline.audit import audit, database_urls
from questline.contracts.topics import ALL_TOPICS
from questline.devstack.sandbox import sandbox
from questline.devstack.stack import Stack
from questline.devstack.testing import eventually

pytestmark = pytest.mark.e2e

SUPERVISOR_LINES: list[str] = []
KILL_BURST = 480  # achievements, at KILL_RATE_PER_S: about 12 s of them
KILL_RATE_PER_S = 40
ROLL_RATE_PER_S = 50


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """Overrides the shared system: this one runs on three brokers, supervised."""
    with sandbox("ql-k3-", supervisor=SUPERVISOR_LINES.append, kafka_brokers=3) as running:
        yield running


# -- the cluster, as a Kafka client sees it ----------------------------------------------


def admin(stack: Stack) -> AdminClient:
    return AdminClient({"bootstrap.servers": stack.kafka_bootstrap})


def partitions(stack: Stack, internal: bool = True) -> list[Any]:
    """Every partition of the services' topics (and of Kafka's own, unless told)."""
    topics = admin(stack).list_topics(timeout=5).topics
    return [
        partition
        for name, topic in topics.items()
        if name in ALL_TOPICS or (internal and name.startswith("__"))
        for partition in topic.partitions.values()
    ]


def busiest_broker(stack: Stack) -> str:
    """The broker that leads the most partitions of the services' topics."""
    leaders = Counter(p.leader for p in partitions(stack, internal=False))
    node, _ = leaders.most_common(1)[0]
    return f"kafka-{node}"


def in_every_isr(stack: Stack, name: str) -> bool:
    """The broker is back in sync: in the ISR of every partition, Kafka's own too."""
    node = int(name.removeprefix("kafka-"))
    try:
        return all(node in p.isrs for p in partitions(stack))
    except KafkaException:  # no answer while the cluster elects: ask again
        return False


# -- load and settling ---------------------------------------------------------------------


@dataclass
class SteadyLoad:
    """Achievements reported at a steady rate, as a careful game backend reports them:
    one Idempotency-Key each, retried on 503 as Retry-After says. Open loop: each
    report starts on schedule whatever the earlier ones do."""

    api: Any  # the e2e conftest's Api
    customers: Sequence[str]
    rate_per_s: float
    accepted: Counter[str] = field(default_factory=Counter)
    answers: Counter[int] = field(default_factory=Counter)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def total(self) -> int:
        return sum(self.accepted.values())

    async def run(self, count: int | None = None) -> None:
        """`count` reports, or as many as fit until `stopping` is set."""
        loop = asyncio.get_running_loop()
        started, in_flight = loop.time(), []
        gate = asyncio.Semaphore(64)
        for n in itertools.count():
            if n == count or self.stopping.is_set():
                break
            customer = self.customers[n % len(self.customers)]
            in_flight.append(asyncio.create_task(self._report(gate, customer, f"{customer}-{n}")))
            await asyncio.sleep(max(0.0, started + (n + 1) / self.rate_per_s - loop.time()))
        await asyncio.gather(*in_flight)

    async def _report(self, gate: asyncio.Semaphore, customer: str, key: str) -> None:
        async with gate:
            for _ in range(100):
                response = await self.api.achieve(customer, key=key)
                self.answers[response.status_code] += 1
                if response.status_code == 201:
                    self.accepted[customer] += 1
                    return
                assert response.status_code == 503, response.text
                await asyncio.sleep(min(1.0, int(response.headers["retry-after"])))
            raise AssertionError(f"{key} never accepted")

    async def reached(self, accepted: int) -> None:
        await eventually(lambda: self.total >= accepted, timeout=120)


class SettleClock:
    """Counts the rewards that reached the wallets of `prefix`'s customers, ten times a
    second, and keeps the longest time during which some accepted achievement waited
    and no reward settled at all: the pause a player would see."""

    def __init__(self, stack: Stack, prefix: str, accepted: Callable[[], int]) -> None:
        self._url = database_urls(stack.data_dir, {})["wallet"]
        self._prefix = prefix
        self._accepted = accepted
        self.settled = 0
        self.longest_pause_s = 0.0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> SettleClock:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopping.set()
        self._thread.join(10)

    def caught_up(self) -> bool:
        return self.settled >= self._accepted()

    def _watch(self) -> None:
        query = "SELECT count(*) FROM wallet_rewards WHERE customer_id LIKE %s"
        with psycopg.connect(self._url, autocommit=True) as conn:
            progress = time.monotonic()
            while not self._stopping.wait(0.1):
                accepted = self._accepted()  # before the count: never more settled than this
                row = conn.execute(query, (self._prefix + "-%",)).fetchone()
                settled, now = int(row[0]) if row else 0, time.monotonic()
                if settled > self.settled or settled >= accepted:
                    progress = now  # something settled, or nothing was waiting
                self.settled = settled
                self.longest_pause_s = max(self.longest_pause_s, now - progress)


async def assert_each_settled_exactly_once(api, stack: Stack, load: SteadyLoad) -> None:  # type: ignore[no-untyped-def]
    """0 lost, 0 doubled: each customer has one reward per accepted achievement in the
    wallet and on My Page; then the audit finds invariants 1-6 holding system-wide."""
    for customer, count in load.accepted.items():
        await eventually(lambda c=customer, n=count: api.settled(c, n), timeout=60)
        await api.assert_invariants(customer, count)
    report = await asyncio.to_thread(audit, database_urls(stack.data_dir, {}), wait=60)
    assert report.clean, report.to_text()


# -- the tests -------------------------------------------------------------------------------


def test_every_topic_has_three_replicas_two_in_sync_on_three_registered_brokers(
    stack: Stack,
) -> None:
    client = admin(stack)
    brokers = client.describe_cluster().result(10).nodes
    assert sorted(node.id for node in brokers) == [1, 2, 3]
    topics = client.list_topics(timeout=5).topics
    for name in ALL_TOPICS:
        for partition in topics[name].partitions.values():
            assert sorted(partition.replicas) == [1, 2, 3], (name, partition.id)
            assert sorted(partition.isrs) == [1, 2, 3], (name, partition.id)
    resources = [ConfigResource(ResourceType.TOPIC, name) for name in ALL_TOPICS]
    for resource, future in client.describe_configs(resources).items():
        assert future.result(10)["min.insync.replicas"].value == "2", resource
    for partition in partitions(stack):  # Kafka's own topics (consumer offsets) too
        assert len(partition.replicas) == 3, partition.topic


async def settle_while(
    stack: Stack,
    customers: list[str],
    load: SteadyLoad,
    what: str,
    *work: Coroutine[Any, Any, None],
) -> None:
    """Run the load and the faults together, wait until every achievement settled, and
    print the longest pause in settling."""
    began = time.monotonic()
    with SettleClock(stack, customers[0].rsplit("-", 1)[0], lambda: load.total) as clock:
        await asyncio.gather(*work)
        await eventually(clock.caught_up, timeout=120)
    print(
        f"\nkafka cluster, {what}: {load.total} achievements ({dict(load.answers)}) "
        f"settled in {time.monotonic() - began:.1f} s; longest settle pause "
        f"{clock.longest_pause_s:.1f} s"
    )


async def test_the_busiest_broker_killed_mid_burst_and_restarted_later_loses_and_doubles_nothing(
    api, stack: Stack
) -> None:
    customers = api.customers(40, "k3kill")
    victim = busiest_broker(stack)
    load = SteadyLoad(api, customers, KILL_RATE_PER_S)

    async def crash_and_come_back() -> None:
        await load.reached(KILL_BURST // 4)
        stack.stop_infra(victim, crash=True)  # kill -9, left down a while
        await load.reached(3 * KILL_BURST // 4)  # half the burst on two brokers
        stack.resume_infra(victim)  # the supervisor starts it, as after any crash
        await eventually(lambda: in_every_isr(stack, victim), timeout=90)

    await settle_while(
        stack,
        customers,
        load,
        f"{victim} killed -9 mid-burst",
        load.run(KILL_BURST),
        crash_and_come_back(),
    )
    # The outboxes hold the events: reporting never needed a broker.
    assert set(load.answers) == {201}, load.answers
    assert load.total == KILL_BURST
    assert any(line.startswith(f"{victim} restarted") for line in SUPERVISOR_LINES)
    await assert_each_settled_exactly_once(api, stack, load)


async def test_rolling_the_three_brokers_one_by_one_under_load_loses_and_doubles_nothing(
    api, stack: Stack
) -> None:
    customers = api.customers(50, "k3roll")
    load = SteadyLoad(api, customers, ROLL_RATE_PER_S)
    rolled: list[str] = []

    async def roll() -> None:
        await load.reached(ROLL_RATE_PER_S)  # a second of load before the first stop
        for name in stack.kafka_cluster.names:
            began = time.monotonic()
            await asyncio.to_thread(stack.stop_infra, name)  # controlled shutdown
            stopped = time.monotonic() - began
            stack.resume_infra(name)
            await eventually(lambda n=name: in_every_isr(stack, n), timeout=90)
            rolled.append(
                f"{name} stopped in {stopped:.1f} s, in sync again after "
                f"{time.monotonic() - began:.1f} s"
            )
        load.stopping.set()

    await settle_while(
        stack, customers, load, f"rolled under {ROLL_RATE_PER_S}/s", load.run(), roll()
    )
    for line in rolled:
        print(f"  {line}")
    assert set(load.answers) == {201}, load.answers
    assert len(rolled) == 3
    await assert_each_settled_exactly_once(api, stack, load)
