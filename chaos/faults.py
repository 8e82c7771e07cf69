"""The faults: kill -9 of each kind of process (every service, the gateway, the Kafka
broker, the PostgreSQL postmaster), pauses (SIGSTOP, then SIGCONT), and latency or a cut
connection between wallet and gift. One at a time; after each, the time until every
part answers ready again."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import httpx

from chaos.system import WALLET_TO_GIFT, System
from questline.devstack.stack import SERVICES

# A kind, then what it hits; the run draws from these so each kind comes up.
KINDS = ("kill-service", "kill-broker", "kill-postgres", "kill-gateway", "pause",
         "latency", "cut")  # fmt: skip
RECOVERY_TIMEOUT_S = 120.0


@dataclass
class Fault:
    kind: str
    target: str
    at_s: float  # since the run started
    held_s: float  # how long it was held (pauses, latency, cuts); 0 for kills
    recovered_s: float | None  # from injection until every part is ready; None: never

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class Injector:
    def __init__(self, system: System, rng: random.Random, clock: Callable[[], float]) -> None:
        self.system = system
        self.stack = system.stack
        self.rng = rng
        self.clock = clock
        self.faults: list[Fault] = []
        self._paused: set[int] = set()

    def plan(self, count: int) -> list[str]:
        """`count` kinds: every kind once per round (shuffled), as far as count goes."""
        kinds: list[str] = []
        while len(kinds) < count:
            kinds += self.rng.sample(KINDS, len(KINDS))
        return kinds[:count]

    async def inject(self, kind: str) -> Fault:
        started = time.monotonic()
        at = self.clock()
        target, held = await self._do(kind)
        recovered = await self.wait_recovered(RECOVERY_TIMEOUT_S)
        fault = Fault(
            kind,
            target,
            round(at, 1),
            round(held, 1),
            round(time.monotonic() - started, 2) if recovered else None,
        )
        self.faults.append(fault)
        return fault

    async def _do(self, kind: str) -> tuple[str, float]:
        if kind == "kill-service":
            name = self.rng.choice(list(SERVICES))
            _signal(self.stack.processes[f"{name}-0"].popen.pid, signal.SIGKILL)
            return name, 0.0
        if kind == "kill-broker":
            _signal(self.stack.kafka.pid, signal.SIGKILL)
            return "kafka", 0.0
        if kind == "kill-postgres":
            _signal(self.stack.postgres.pid, signal.SIGKILL)
            return "postgres", 0.0
        if kind == "kill-gateway":
            _signal(self.stack.gateway.pid, signal.SIGKILL)
            return "gateway", 0.0
        held = self.rng.uniform(2.0, 4.0)
        if kind == "pause":
            name = self.rng.choice([*SERVICES, "kafka", "postgres"])
            pid = self._pid_of(name)
            self._paused.add(pid) if pid else None
            _signal(pid, signal.SIGSTOP)
            await asyncio.sleep(held)  # the fault's duration, not a wait for a condition
            _signal(pid, signal.SIGCONT)
            self._paused.discard(pid) if pid else None
            return name, held
        proxy, toxiproxy = WALLET_TO_GIFT, self.system.toxiproxy
        if kind == "latency":  # beyond wallet's read timeout (2 s): the breaker's case
            toxiproxy.add_latency(proxy, 2500, "chaos-latency")
            await asyncio.sleep(held)
            toxiproxy.remove_toxic(proxy, "chaos-latency")
            return "wallet->gift", held
        if kind == "cut":
            toxiproxy.set_enabled(proxy, False)
            await asyncio.sleep(held)
            toxiproxy.set_enabled(proxy, True)
            return "wallet->gift", held
        raise ValueError(f"unknown fault kind {kind!r}")

    def _pid_of(self, name: str) -> int | None:
        if name == "kafka":
            return self.stack.kafka.pid
        if name == "postgres":
            return self.stack.postgres.pid
        return self.stack.processes[f"{name}-0"].popen.pid

    def release(self) -> None:
        """Nothing stays paused or cut once the run ends, whatever interrupted it."""
        for pid in list(self._paused):
            _signal(pid, signal.SIGCONT)
        self._paused.clear()

    async def wait_recovered(self, timeout: float) -> bool:
        """Every service ready (its database and Kafka reachable) and the gateway up."""
        deadline = time.monotonic() + timeout
        urls = [self.stack.url(name) + "/health/ready" for name in SERVICES]
        urls.append(f"http://127.0.0.1:{self.stack.config.gateway_admin_port}/ready")
        async with httpx.AsyncClient(timeout=1.0) as client:
            while time.monotonic() < deadline:
                if all(await asyncio.gather(*(_ok(client, url) for url in urls))):
                    return True
                await asyncio.sleep(0.2)
        return False


async def _ok(client: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await client.get(url)).status_code == 200
    except httpx.HTTPError:
        return False


def _signal(pid: int | None, sig: signal.Signals) -> None:
    if pid is None:
        return
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
