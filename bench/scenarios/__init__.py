"""The scenarios, in the order a run executes them (whatever order they were asked in)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bench.scenarios import (
    baselines,
    circuit_open,
    cpu_per_event,
    exchanges,
    footprint,
    idle,
    mypage_reads,
    settle_latency,
    settle_throughput,
)
from bench.scenarios.base import Context, Outcome

Scenario = Callable[[Context], Awaitable[Outcome]]

SCENARIOS: dict[str, Scenario] = {
    m.NAME: m.run
    for m in (
        idle,  # first: nothing earlier in the run perturbs the system at rest
        settle_throughput,
        cpu_per_event,
        settle_latency,
        mypage_reads,
        exchanges,
        circuit_open,
        footprint,
        baselines,
    )
}
