"""cpu-per-event: CPU time the whole stack spends per settled achievement.

A fixed number of achievements at a fixed rate over fresh customers; CPU of every
process of the stack (services, the Kafka JVM, PostgreSQL and its backends) is read
from /proc before the first send and once the backlog is zero, and divided by the
achievements settled. The load generator and this harness are not counted (reported
apart). Nothing samples the backlog while the load runs, so the harness's own queries
do not land on Kafka or PostgreSQL then."""

from __future__ import annotations

import resource
import time

from bench.cpu import left_out_note, ms_between, per_process_rows, take
from bench.report import Table
from bench.scenarios.base import (
    Context,
    Outcome,
    customers,
    mission_codes,
    mission_load,
    spread_bodies,
    wait_drained,
)

NAME = "cpu-per-event"
SUMMARY = "CPU ms of every stack process per settled achievement (fixed count and rate)"


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


NEAR_PEAK = 0.8  # the second measurement's rate, as a share of the peak sustained rate
NEAR_PEAK_S = 20.0  # ... and its length


async def run(ctx: Context) -> Outcome:
    """At the fixed rate (the summary's figure, comparable from run to run), then, when
    settle-throughput found a peak, near it: per-event cost falls as batches fill."""
    p = ctx.profile
    fixed = await _measure(ctx, p.cpu_events, p.cpu_rate, "cpu")
    tables, results = list(fixed.tables), dict(fixed.results)
    peak = ctx.peak_sustained_rps
    if peak and NEAR_PEAK * peak > p.cpu_rate and not ctx.options.quick:
        rate = round(NEAR_PEAK * peak)
        near = await _measure(ctx, round(rate * NEAR_PEAK_S), rate, "cpu-near-peak")
        tables += near.tables
        results["near_peak"] = near.results
    return Outcome(results=results, tables=tables, params=fixed.params)


async def _measure(ctx: Context, n: int, rate: float, label: str) -> Outcome:
    p = ctx.profile
    codes = await mission_codes(ctx)
    pool = customers(ctx, label, p.customers)
    warm = spread_bodies(
        customers(ctx, f"{label}-warm", p.customers), codes, round(rate * p.warmup_s)
    )
    await ctx.load.run(mission_load(ctx, f"{NAME}-warmup", warm, rate))
    quiet = await wait_drained(ctx, p.drain_timeout_s)

    roots = ctx.target.roots()
    before, began, harness = take(roots), time.monotonic(), _own_cpu_s()
    result = await ctx.load.run(mission_load(ctx, NAME, spread_bodies(pool, codes, n), rate))
    drained = await ctx.backlog.wait_drained(p.drain_timeout_s)
    after, seconds = take(roots), time.monotonic() - began
    harness = _own_cpu_s() - harness

    settled = result.ok
    ms = ms_between(before, after)
    rows = per_process_rows(ms, seconds, per=settled)
    total = rows[-1]["ms_per_unit"]
    # The part of it the stack spends anyway (idle polling, heartbeats), if measured.
    idle_share = (
        round(ctx.idle_cpu_pct * 10 * seconds / settled, 3)
        if ctx.idle_cpu_pct is not None and settled
        else None
    )
    load = result.summary()
    table = Table(
        f"{NAME}: {n:,} achievements at {rate:g}/s over {len(pool):,} fresh customers, "
        f"until settled ({seconds:.1f} s)",
        ["process", "CPU ms", "ms / settled", "% of one core"],
    )
    for row in rows:
        table.add(row["process"], row["cpu_ms"], row["ms_per_unit"], row["pct_of_core"])
    gen_ms = round(result.cpu_s * 1000, 1)
    table.add("(load generator, excluded)", gen_ms, round(gen_ms / settled, 3) if settled else
              None, round(100 * result.cpu_s / seconds, 2))  # fmt: skip
    table.add("(harness, excluded)", round(harness * 1000, 1), None,
              round(100 * harness / seconds, 2))  # fmt: skip
    table.notes.append(
        f"{settled:,} of {n:,} POSTs got 201; backlog "
        + ("zero at the end" if drained is not None else "NOT drained: CPU still owed")
        + "; postgres = postmaster + backends (ended ones through its cutime; not the "
        "harness's backlog probe)"
    )
    if idle_share is not None:
        table.notes.append(
            f"of the total, ≈ {idle_share} ms / achievement is the stack's idle cost "
            f"({ctx.idle_cpu_pct} % of a core, measured by `idle`) over the window"
        )
    if quiet is None:
        table.notes.append("WARNING: the warm-up's backlog had not drained when this started")
    if left_out := left_out_note(roots, ms):
        table.notes.append(left_out)
    return Outcome(
        results={
            "achievements": n,
            "rate": rate,
            "settled": settled,
            "all_settled": drained is not None and settled == n,
            "window_s": round(seconds, 3),
            "cpu_ms": ms,
            "rows": rows,
            "cpu_ms_per_settled": total,
            "idle_share_ms_per_settled": idle_share,
            "generator_cpu_ms": gen_ms,
            "harness_cpu_ms": round(harness * 1000, 1),
            "load": load,
        },
        tables=[table],
        params={"achievements": n, "rate": rate, "customers": len(pool)},
    )
