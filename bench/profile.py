"""Durations, rates and sizes of every scenario: the full run and `--quick` (smoke)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    # idle (first in a run: after one settled achievement, wait, then measure)
    idle_wait_s: float
    idle_measure_s: float
    # cpu-per-event
    cpu_events: int
    cpu_rate: float
    # settle-throughput
    settle_rates: tuple[float, ...]
    settle_step_s: float
    settle_warmup_rate: float
    settle_warmup_s: float
    customers: int  # achievements spread over this many customers
    # through the gateway: steps at these shares of the direct peak, highest first,
    # until one is sustained
    gateway_shares: tuple[float, ...]
    drain_grace_s: float  # a sustained step drains within this long after it ends
    drain_timeout_s: float  # wait at most this long for the backlog before going on
    # settle-latency
    latency_rate: float  # when no peak is known and no --rate is given
    latency_s: float
    latency_sample_every: int
    # mypage-reads
    reads_rate: float
    reads_s: float
    reads_connections: int
    reads_seed_customers: int
    reads_per_customer: int  # achievements on each page read
    # exchanges
    gift_stock: int
    exchange_rewards: int  # more than the stock
    rewards_per_customer: int
    exchange_concurrency: int
    seed_rate: float
    # circuit-open
    circuit_rate: float
    circuit_s: float
    circuit_rewards: int
    # footprint (a load of its own when settle-throughput did not run)
    footprint_rate: float
    footprint_s: float
    # baselines
    pgbench_scale: int
    pgbench_clients: int
    pgbench_s: int
    kafka_records: int
    # every load
    warmup_s: float


FULL = Profile(
    idle_wait_s=60,
    idle_measure_s=30,
    cpu_events=6000,
    cpu_rate=300,
    # Stepped up until a step is not sustained; low steps first so a slow build still
    # finds its peak, high ones so a fast build shows where it stops (the goal on a
    # 2-core machine is ≥ 1,200/s; the generator offers 4,000/s at ≈ 15 % of a core).
    settle_rates=(50, 100, 200, 300, 400, 500, 750, 1000, 1250, 1500, 2000, 2500, 3000, 4000),
    settle_step_s=10,
    settle_warmup_rate=100,
    settle_warmup_s=3,
    customers=1000,
    gateway_shares=(1.0, 0.9, 0.8, 0.7, 0.6, 0.5),
    drain_grace_s=5,
    drain_timeout_s=120,
    latency_rate=200,
    latency_s=10,
    latency_sample_every=10,
    reads_rate=1000,
    reads_s=10,
    reads_connections=64,
    reads_seed_customers=1000,
    reads_per_customer=3,
    gift_stock=2000,
    exchange_rewards=2500,
    rewards_per_customer=5,
    exchange_concurrency=32,
    seed_rate=100,
    circuit_rate=200,
    circuit_s=5,
    circuit_rewards=20,
    footprint_rate=200,
    footprint_s=5,
    pgbench_scale=10,
    pgbench_clients=8,
    pgbench_s=10,
    kafka_records=500_000,
    warmup_s=2,
)

QUICK = Profile(
    idle_wait_s=5,
    idle_measure_s=3,
    cpu_events=200,
    cpu_rate=50,
    settle_rates=(50,),
    settle_step_s=2,
    settle_warmup_rate=20,
    settle_warmup_s=1,
    customers=50,
    gateway_shares=(1.0,),
    drain_grace_s=5,
    drain_timeout_s=30,
    latency_rate=20,
    latency_s=2,
    latency_sample_every=5,
    reads_rate=50,
    reads_s=2,
    reads_connections=8,
    reads_seed_customers=20,
    reads_per_customer=2,
    gift_stock=20,
    exchange_rewards=25,
    rewards_per_customer=5,
    exchange_concurrency=8,
    seed_rate=50,
    circuit_rate=50,
    circuit_s=2,
    circuit_rewards=5,
    footprint_rate=50,
    footprint_s=2,
    pgbench_scale=1,
    pgbench_clients=8,
    pgbench_s=2,
    kafka_records=20_000,
    warmup_s=0.5,
)
