"""settle-throughput: POST /missions at stepped rates; an achievement is settled when
its reward is in the wallet and My Page shows it, i.e. when every consumer group has
caught up and no outbox row is left unsent (the backlog is zero).

A step is sustained when every POST got 201, the backlog did not grow through the step
and it drained within a few seconds after the step. Stepping stops at the first step
that is not sustained."""

from __future__ import annotations

import time
from typing import Any

from bench.lag import BacklogPoint
from bench.metrics import outbox_published
from bench.report import Table
from bench.scenarios.base import (
    Context,
    Outcome,
    customers,
    latency_cells,
    mission_codes,
    mission_load,
    spread_bodies,
    wait_drained,
)

NAME = "settle-throughput"
SUMMARY = "stepped POST /missions; settled/s per step, peak sustained rate, backlog series"
# The backlog may not grow through the second half of a step (the first half fills the
# pipeline) faster than this many events/s per offered achievement/s (each achievement
# is about 4 events and 9 deliveries; the limit is ~3 sigma of a steady backlog's noise).
GROWTH_LIMIT = 0.5
GROWTH_FLOOR = 50.0  # events/s, whatever the rate
INTAKE_GRACE_S = 1.0  # every POST answered within this long after the step's last send


def slope(points: list[BacklogPoint], since: float, until: float) -> float | None:
    """Least-squares growth of the backlog (events/s) over samples in [since, until]."""
    xs = [(p.t, float(p.total)) for p in points if p.total is not None and since <= p.t <= until]
    if len(xs) < 3:
        return None
    mean_t = sum(t for t, _ in xs) / len(xs)
    mean_v = sum(v for _, v in xs) / len(xs)
    var = sum((t - mean_t) ** 2 for t, _ in xs)
    if var == 0:
        return None
    return sum((t - mean_t) * (v - mean_v) for t, v in xs) / var


async def _step(
    ctx: Context, pool: list[str], codes: list[str], rate: float, step_s: float, start: int
) -> dict[str, Any]:
    p = ctx.profile
    bodies = spread_bodies(pool, codes, round(rate * step_s), start)
    spec = mission_load(ctx, f"settle-{rate:g}", bodies, rate, step_s)
    before = await outbox_published(ctx.http, ctx.target.urls)
    began = time.monotonic()
    ctx.backlog.on_sample = ctx.under_load.sampler(ctx.target)
    ctx.backlog.start(origin=began)
    try:
        result = await ctx.load.run(spec)
        sent_until = time.monotonic()
        drained = await ctx.backlog.wait_drained(p.drain_timeout_s, after=sent_until)
    finally:
        points = await ctx.backlog.stop()
        ctx.backlog.on_sample = None
    finished = drained if drained is not None else time.monotonic()
    after = await outbox_published(ctx.http, ctx.target.urls)
    relayed = sum(after.values()) - sum(before.values())
    growth = slope(points, since=step_s / 2, until=sent_until - began)
    drain_s = None if drained is None else max(0.0, drained - sent_until)
    summary = result.summary()
    totals = [pt.total for pt in points if pt.total is not None]
    criteria = {
        "all_201": result.errors == 0 and result.ok == spec.total(),
        "intake_kept_up": result.elapsed_s <= step_s + INTAKE_GRACE_S,
        "backlog_not_growing": growth is None or growth <= max(GROWTH_FLOOR, GROWTH_LIMIT * rate),
        "drained_within_grace": drain_s is not None and drain_s <= p.drain_grace_s,
    }
    sustained = all(criteria.values())
    return {
        "offered_rps": rate,
        "duration_s": step_s,
        "accepted": result.ok,
        "load": summary,
        "backlog_max": max(totals) if totals else None,
        "backlog_growth_per_s": round(growth, 1) if growth is not None else None,
        "drain_s": round(drain_s, 2) if drain_s is not None else None,
        "settled": drained is not None,
        "settled_per_s": round(result.ok / (finished - began), 1) if drained else None,
        "relay_published": relayed,
        "relay_published_by_service": {k: after[k] - before.get(k, 0.0) for k in after},
        "relay_msgs_per_s": round(relayed / (finished - began), 1),
        "sustained": sustained,
        "criteria": criteria,
        "series": [pt.as_json() for pt in points],
    }


async def run(ctx: Context) -> Outcome:
    p = ctx.profile
    rates = ctx.options.rates or p.settle_rates
    step_s = ctx.options.step_s or p.settle_step_s
    codes = await mission_codes(ctx)
    warm_n = round(p.settle_warmup_rate * p.settle_warmup_s)
    warm_pool = customers(ctx, "settle-warm", p.customers)
    warm = await ctx.load.run(
        mission_load(
            ctx, "settle-warmup", spread_bodies(warm_pool, codes, warm_n), p.settle_warmup_rate
        )
    )
    warm_drain = await wait_drained(ctx, p.drain_timeout_s)
    table = Table(
        f"{NAME}: POST /missions over {p.customers} fresh customers per step, {step_s:g} s each",
        [
            "offered/s", "sent/s", "201/s", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms",
            "backlog max", "growth/s", "drain s", "settled/s", "relay msg/s", "gen CPU %",
            "sustained",
        ],
    )  # fmt: skip
    steps: list[dict[str, Any]] = []
    for rate in rates:
        # Fresh customers per step: a step's pages do not carry the earlier steps' history.
        pool = customers(ctx, f"settle{rate:g}", p.customers)
        step = await _step(ctx, pool, codes, rate, step_s, 0)
        steps.append(step)
        load = step["load"]
        table.add(
            rate, load["sent_rps"], load["achieved_rps"], load["errors"], *latency_cells(load),
            step["backlog_max"], step["backlog_growth_per_s"], step["drain_s"],
            step["settled_per_s"], step["relay_msgs_per_s"], load["generator_cpu_pct"],
            step["sustained"],
        )  # fmt: skip
        series = " ".join("?" if pt["total"] is None else str(pt["total"]) for pt in step["series"])
        table.notes.append(f"backlog every 0.5 s at {rate:g}/s: {series}")
        if not step["sustained"]:
            failed = ", ".join(k for k, ok in step["criteria"].items() if not ok)
            table.notes.append(f"stopped stepping: {rate:g}/s was not sustained ({failed})")
            break
    sustained = [s for s in steps if s["sustained"]]
    peak = max((s["offered_rps"] for s in sustained), default=None)
    ctx.peak_sustained_rps = peak
    settled = [s for s in steps if s["settled_per_s"]]
    if sustained:  # the ratios use the highest sustained step, else the best settled one
        ctx.best_step = max(sustained, key=lambda s: s["offered_rps"])
    elif settled:
        ctx.best_step = max(settled, key=lambda s: s["settled_per_s"])
    table.notes.append(
        f"peak sustained: {peak:g} achievements/s" if peak else "no step was sustained"
    )
    table.notes.append(
        "settled = consumer groups " + ", ".join(ctx.backlog.kafka.groups) + " at lag 0 and "
        "no unsent outbox row; latency is from the intended send time (open loop)"
    )
    return Outcome(
        results={
            "peak_sustained_rps": peak,
            # RSS/PSS of the stack sampled every 2 s through the steps (largest seen)
            "footprint_peak": ctx.under_load.as_json(),
            "steps": steps,
            "warmup": {"load": warm.summary(), "drain_s": warm_drain},
        },
        tables=[table],
        params={
            "rates": list(rates),
            "step_s": step_s,
            "customers_per_step": p.customers,
            "mission_codes": codes,
            "warmup_rate": p.settle_warmup_rate,
            "warmup_s": p.settle_warmup_s,
            "drain_grace_s": p.drain_grace_s,
            "growth_limit": f"max({GROWTH_FLOOR:g}, {GROWTH_LIMIT:g} x rate) events/s "
            "over the step's second half",
            "intake_grace_s": INTAKE_GRACE_S,
        },
    )
