"""A rolling update under steady load fails no request: two instances each of mission
and mypage behind the gateway, and one instance at a time is told to stop (SIGTERM: it
drains, the gateway takes it out, it finishes what it has, it exits), started again —
the "new version" — and waited for until the gateway sends to it again, then the next
(mission's and mypage's rolls side by side).

Meanwhile the game backend reports achievements and an operator reads My Pages through
the gateway, open loop at a fixed rate, every answer recorded: every POST is a 201, every
GET a 200, and afterwards every accepted achievement has settled exactly once."""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from questline.audit import audit, database_urls
from questline.devstack.sandbox import sandbox
from questline.devstack.stack import REPLICA_DRAIN_S, Stack
from questline.devstack.testing import eventually

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # `bench` lives at the repo root, not in a package
    sys.path.insert(0, str(REPO_ROOT))

from bench.http1 import Pool  # noqa: E402

pytestmark = pytest.mark.e2e

ROLLED = ("mission", "mypage")
REPORTS_PER_S = 60  # POST /missions
READS_PER_S = 20  # GET /mypage/{customer}
CUSTOMERS = 20


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """Overrides the shared system: this one runs two instances of the rolled services."""
    with sandbox("ql-roll-", further_instances=dict.fromkeys(ROLLED, 1)) as running:
        yield running


@dataclass
class Load:
    """An open-loop load: requests start on schedule whatever the earlier ones do."""

    answers: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    accepted: int = 0
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def sent(self) -> int:
        return sum(self.answers.values())

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)


async def steady_load(api, load: Load, customers: list[str]) -> None:  # type: ignore[no-untyped-def]
    # The bench's lean client (pre-encoded requests, httptools): on a busy shared machine
    # httpx's CPU per request would make the generator, not the system, fall behind.
    # Room for every request in flight: a full pool would make a request wait for an
    # earlier one (a closed loop, which hides slow answers).
    pool = Pool(api.stack.gateway_url, limit=2000)
    game, operator = api.game_token, api.stack.tokens().operator()
    reports = [
        pool.encode("POST", "/missions", _report_body(customer), game) for customer in customers
    ]
    reads = [pool.encode("GET", f"/mypage/{customer}", None, operator) for customer in customers]
    loop = asyncio.get_running_loop()
    started, in_flight = loop.time(), set()
    per_s = REPORTS_PER_S + READS_PER_S
    for n in itertools.count():
        if load.stopping.is_set():
            break
        if n % per_s < READS_PER_S:
            request = _answer(load, pool, "GET /mypage", 200, reads[n % len(reads)])
        else:
            request = _answer(load, pool, "POST /missions", 201, reports[n % len(reports)])
        in_flight.add(asyncio.create_task(request))
        await asyncio.sleep(max(0.0, started + (n + 1) / per_s - loop.time()))  # the pace
    await asyncio.gather(*in_flight)
    pool.close()


def _report_body(customer: str) -> bytes:
    return json.dumps({"customerId": customer, "missionCode": "first-win"}).encode()


async def _answer(load: Load, pool: Pool, kind: str, expected: int, raw: bytes) -> None:
    began = time.monotonic()
    try:
        outcome = str(await pool.request(raw, timeout=30))
    except Exception as error:  # refused, reset, cut, timed out: each a failure
        outcome = type(error).__name__
    load.latencies.append(time.monotonic() - began)
    load.answers[f"{kind} {outcome}"] += 1
    if outcome != str(expected):
        load.failures.append(f"{kind} → {outcome}")
    elif kind.startswith("POST"):
        load.accepted += 1


@dataclass
class Roll:
    instance: str
    left_rotation_s: float  # SIGTERM → the gateway counts it unhealthy
    exited_s: float  # SIGTERM → the process exited (drain, then in-flight requests)
    ready_s: float  # started again → its own /health/ready answers 200
    back_s: float  # started again → the gateway counts it healthy


async def in_rotation(stack: Stack, name: str, replica: str) -> bool | None:
    endpoint = f"127.0.0.1:{stack.http_port(name, replica)}"
    health = await asyncio.to_thread(stack.gateway.endpoint_health, name)
    return health.get(endpoint)


async def roll(stack: Stack, client: httpx.AsyncClient, name: str, replica: str) -> Roll:
    """Stop one instance as an orchestrator does, start its next version, wait for it."""
    key = f"{name}-{replica}"
    signalled = time.monotonic()
    stopped = asyncio.create_task(asyncio.to_thread(stack.stop, key, signal.SIGTERM, 30))
    await eventually(lambda: _out_of_rotation(stack, name, replica), timeout=10)
    left = time.monotonic() - signalled
    assert not stopped.done(), f"{key} exited before the gateway took it out"
    assert await stopped == 0
    exited = time.monotonic() - signalled
    restarted = time.monotonic()
    stack.start(name, replica=replica)
    await eventually(lambda: _ready(client, stack.url(name, replica)), timeout=60)
    ready = time.monotonic() - restarted
    await eventually(lambda: in_rotation(stack, name, replica), timeout=60)
    back = time.monotonic() - restarted
    return Roll(key, *(round(s, 2) for s in (left, exited, ready, back)))


async def _ready(client: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await client.get(url + "/health/ready", timeout=2)).status_code == 200
    except httpx.TransportError:
        return False


async def roll_all(stack: Stack, client: httpx.AsyncClient, name: str) -> list[Roll]:
    return [await roll(stack, client, name, replica) for replica in stack.instances(name)]


async def _out_of_rotation(stack: Stack, name: str, replica: str) -> bool:
    return await in_rotation(stack, name, replica) is False


async def test_a_rolling_update_under_steady_load_fails_no_request(api):
    stack = api.stack
    for name in ROLLED:
        for replica in stack.instances(name):
            await eventually(lambda n=name, r=replica: in_rotation(stack, n, r), timeout=30)
    customers = api.customers(CUSTOMERS, "roll")
    load = Load()
    began = time.monotonic()
    running = asyncio.create_task(steady_load(api, load, customers))
    await eventually(lambda: load.sent >= 100, timeout=30)  # warm: both instances in use

    # One service's instances one after the other; the two services side by side, as
    # two Deployments roll at once.
    rolls = [
        r
        for rs in await asyncio.gather(*(roll_all(stack, api.client, n) for n in ROLLED))
        for r in rs
    ]
    served = load.sent
    await eventually(lambda: load.sent >= served + 100, timeout=30)  # and after the last
    load.stopping.set()
    await running
    seconds = time.monotonic() - began

    print(
        f"\nzero-downtime roll: {load.sent} requests in {seconds:.1f} s "
        f"({load.sent / seconds:.0f}/s): {dict(load.answers)}; latency ms p50 "
        f"{load.percentile(0.5)} p99 {load.percentile(0.99)} max {load.percentile(1)}"
    )
    for r in rolls:
        print(f"  {r}")
    assert load.failures == [], Counter(load.failures)
    for r in rolls:
        # Out of rotation while still draining: before it could have stopped serving.
        assert r.left_rotation_s < REPLICA_DRAIN_S <= r.exited_s, r
    report = await asyncio.to_thread(audit, database_urls(stack.data_dir, {}), wait=60)
    assert report.clean, report.to_text()
    assert report.invariant(1).checked["achievements"] == load.accepted
