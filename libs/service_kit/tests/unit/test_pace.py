"""Pacing: relays and consumers start rounds at least an interval apart under load, and at
once after a quiet spell."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any, cast

from questline.service_kit.inbox import InboxConsumer
from questline.service_kit.outbox import OutboxRelay
from questline.service_kit.waits import Pace

# asyncio may fire a timer up to its clock resolution early.
EARLY = 0.005


def test_a_first_round_never_waits():
    assert Pace(0.025).delay(now=123.0) == 0


def test_a_round_right_after_another_waits_for_the_rest_of_the_interval():
    pace = Pace(0.025)
    pace.started(10.0)
    assert abs(pace.delay(now=10.010) - 0.015) < 1e-9


def test_a_round_after_a_quiet_spell_starts_at_once():
    pace = Pace(0.025)
    pace.started(10.0)
    assert pace.delay(now=11.0) == 0


def test_no_interval_never_waits():
    pace = Pace(0)
    pace.started(10.0)
    assert pace.delay(now=10.0) == 0


class ScriptedRelay(OutboxRelay):
    """A relay whose rounds publish `sent[i]` rows (no database, no Kafka) and note when
    each began; under `busy`, a commit arrives during every round."""

    def __init__(self, pace: float, sent: list[int], busy: bool) -> None:
        super().__init__(cast(Any, None), cast(Any, None), idle_seconds=3600, pace_seconds=pace)
        self.sent = sent
        self.busy = busy
        self.began: list[float] = []
        self.first_round = asyncio.Event()
        self.rounds_done = asyncio.Event()

    async def publish_batch(self) -> int:
        self.began.append(asyncio.get_running_loop().time())
        self.first_round.set()
        if len(self.began) == len(self.sent):
            self.rounds_done.set()
        elif self.busy:
            self.wake()
        return self.sent[min(len(self.began), len(self.sent)) - 1]


async def run_until_done(relay: ScriptedRelay, then_wake: bool = False) -> None:
    stopping = asyncio.Event()
    task = asyncio.create_task(relay.run(stopping))
    try:
        if then_wake:
            await asyncio.wait_for(relay.first_round.wait(), 10)
            relay.wake()
        await asyncio.wait_for(relay.rounds_done.wait(), 10)
    finally:
        stopping.set()
        relay.wake()
        await asyncio.wait_for(task, 10)


async def test_under_steady_commits_relay_rounds_start_at_least_a_pace_apart():
    relay = ScriptedRelay(pace=0.05, sent=[3, 3, 3, 3], busy=True)
    await run_until_done(relay)
    gaps = [b - a for a, b in itertools.pairwise(relay.began)]
    assert len(gaps) == 3 and min(gaps) >= 0.05 - EARLY


async def test_a_commit_after_rounds_that_found_nothing_goes_out_at_once_whatever_the_pace():
    # An hour's pace: had the empty first round set it, the second would never come.
    relay = ScriptedRelay(pace=3600, sent=[0, 1], busy=False)
    await run_until_done(relay, then_wake=True)
    assert len(relay.began) == 2


class FetchedRecords:
    """A Kafka consumer whose local queue always holds records (a steady load)."""

    def __init__(self) -> None:
        self.taken = 0

    def consume(self, num_messages: int, timeout: float) -> list[object]:
        self.taken += 1
        return [object()]


def paced_consumer(pace: float) -> InboxConsumer:
    return InboxConsumer(
        database=cast(Any, None),
        consumer=cast(Any, FetchedRecords()),
        dlq_producer=lambda: cast(Any, None),
        handlers={},
        group_id="paced",
        pace_seconds=pace,
    )


async def test_under_load_consumer_batches_start_at_least_a_pace_apart():
    consumer = paced_consumer(0.05)
    loop = asyncio.get_running_loop()
    began = []
    for _ in range(3):
        assert await consumer._next_batch()
        began.append(loop.time())
    gaps = [b - a for a, b in itertools.pairwise(began)]
    assert min(gaps) >= 0.05 - EARLY


async def test_a_consumer_takes_its_first_batch_at_once_whatever_the_pace():
    consumer = paced_consumer(3600)
    assert await asyncio.wait_for(consumer._next_batch(), 10)
