"""footprint: memory of every process of the stack at rest and under the settle load,
and how long the system took to start (when this harness started it)."""

from __future__ import annotations

from bench.footprint import Peak, snapshot
from bench.report import Table
from bench.scenarios.base import (
    Context,
    Outcome,
    achievement_body,
    customers,
    mission_codes,
    mission_load,
)

NAME = "footprint"
SUMMARY = "RSS/PSS of every process at rest and under load; start-up time"


async def _own_load(ctx: Context) -> Peak:
    """The settle load did not run in this run: apply a short one and sample it."""
    p = ctx.profile
    codes = await mission_codes(ctx)
    people = customers(ctx, "fp", p.customers)
    n = round(p.footprint_rate * p.footprint_s)
    bodies = [achievement_body(people[i % len(people)], codes[i % len(codes)]) for i in range(n)]
    peak = Peak()
    ctx.backlog.on_sample = peak.sampler(ctx.target, every=2, pss_every=2)
    ctx.backlog.start()
    try:
        await ctx.load.run(mission_load(ctx, "footprint-load", bodies, p.footprint_rate))
    finally:
        await ctx.backlog.stop()
        ctx.backlog.on_sample = None
    return peak


async def run(ctx: Context) -> Outcome:
    rest = ctx.rest or snapshot(ctx.target)
    source = "settle-throughput steps"
    peak = ctx.under_load
    if not peak.samples:
        peak = await _own_load(ctx)
        source = f"own load {ctx.profile.footprint_rate:g}/s for {ctx.profile.footprint_s:g} s"
    table = Table(
        f"{NAME}: memory per process (MiB), at rest and at peak under load ({source})",
        ["process", "count", "RSS rest", "PSS rest", "RSS load", "PSS load"],
    )
    for name in sorted(rest.rss_mib):
        table.add(
            name, rest.processes.get(name), rest.rss_mib[name], rest.pss_mib.get(name),
            peak.rss_mib.get(name), peak.pss_mib.get(name),
        )  # fmt: skip
    table.add("total", sum(rest.processes.values()), rest.total_rss_mib, rest.total_pss_mib,
              peak.total_rss_mib, peak.total_pss_mib)  # fmt: skip
    table.notes.append(
        "postgres = the postmaster and its backends (not the harness's backlog probe); "
        "RSS counts shared buffers in every backend, PSS shares them out (sum PSS for the "
        "real total); load column = the "
        f"largest value seen in {peak.samples} samples"
    )
    startup = ctx.target.startup
    if startup:
        fresh = ", fresh data dir" if startup.get("fresh_data_dir") else ""
        table.notes.append(
            f"start to all-ready: {startup['total_s']:.1f} s (Kafka + PostgreSQL "
            f"{startup['start_infra_s']:.1f} s, services to ready "
            f"{startup['start_services_to_ready_s']:.1f} s{fresh})"
        )
    else:
        table.notes.append("start-up time not measured: the system was started elsewhere")
    return Outcome(
        results={
            "rest": rest.as_json(),
            "under_load": peak.as_json(),
            "under_load_source": source,
            "startup": startup,
        },
        tables=[table],
    )
