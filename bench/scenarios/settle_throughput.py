"""settle-throughput: POST /missions at stepped rates; an achievement is settled when
its reward is in the wallet and My Page shows it, i.e. when every consumer group has
caught up and no outbox row is left unsent (the backlog is zero).

A step is sustained when every POST got 201, the backlog did not grow through the step
and it drained within a few seconds after the step. Stepping stops at the first step
that is not sustained.

Then the same through the gateway: steps at shares of the direct peak (1.0, 0.9, …),
highest first, until one is sustained; its rate over the direct peak is the gateway's
throughput ratio (to the shares' resolution: the direct peak itself is only known to
the ladder's)."""

from __future__ import annotations

import time
from typing import Any

from bench.cpu import Meter
from bench.gateway import throttled
from bench.lag import BacklogPoint
from bench.metrics import outbox_published
from bench.report import Table, ratio
from bench.scenarios.base import (
    Context,
    Outcome,
    Via,
    customers,
    latency_cells,
    mission_codes,
    mission_load,
    spread_bodies,
    wait_drained,
)

NAME = "settle-throughput"
SUMMARY = "stepped POST /missions; settled/s per step, peak sustained rate, backlog; via gateway"
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
    ctx: Context,
    pool: list[str],
    codes: list[str],
    rate: float,
    step_s: float,
    start: int,
    via: Via = "direct",
) -> dict[str, Any]:
    p = ctx.profile
    bodies = spread_bodies(pool, codes, round(rate * step_s), start)
    spec = mission_load(ctx, f"settle-{via}-{rate:g}", bodies, rate, step_s, via=via)
    before = await outbox_published(ctx.http, ctx.target.urls)
    began = time.monotonic()
    ctx.backlog.on_sample = ctx.under_load.sampler(ctx.target)
    ctx.backlog.start(origin=began)
    envoy = Meter("gateway", ctx.target.gateway_pid())
    try:
        result = await ctx.load.run(spec)
        sent_until = time.monotonic()
        envoy_cpu = envoy.read(result.completed)  # its work ends with the last answer
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
        "via": via,
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
        "gateway_cpu": envoy_cpu,  # Envoy's CPU over the sends, per POST
        "series": [pt.as_json() for pt in points],
    }


async def _warm_up(ctx: Context, codes: list[str], via: Via) -> dict[str, Any]:
    p = ctx.profile
    n = round(p.settle_warmup_rate * p.settle_warmup_s)
    pool = customers(ctx, f"settle-warm-{via}", p.customers)
    spec = mission_load(
        ctx, f"settle-warmup-{via}", spread_bodies(pool, codes, n), p.settle_warmup_rate, via=via
    )
    warm = await ctx.load.run(spec)
    return {"load": warm.summary(), "drain_s": await wait_drained(ctx, p.drain_timeout_s)}


async def _through_gateway(
    ctx: Context, codes: list[str], step_s: float, direct: dict[str, Any]
) -> tuple[dict[str, Any], Table]:
    """Steps through the gateway at shares of the direct peak, highest first, until one
    is sustained (the same criteria as direct)."""
    p, peak = ctx.profile, direct["offered_rps"]
    warm = await _warm_up(ctx, codes, "gateway")
    table = Table(
        f"{NAME} through the gateway ({ctx.target.gateway_url}): POST /missions at shares "
        f"of the direct peak ({peak:g}/s), {step_s:g} s each",
        [
            "via", "x direct peak", "offered/s", "201/s", "errors", "p50 ms", "p95 ms",
            "p99 ms", "max ms", "backlog max", "drain s", "settled/s", "gateway us/POST",
            "gateway % core", "gen CPU %", "sustained",
        ],
    )  # fmt: skip
    _gateway_row(table, direct, 1.0)
    steps: list[dict[str, Any]] = []
    for share in p.gateway_shares:
        rate = round(share * peak)
        pool = customers(ctx, f"settlegw{rate:g}", p.customers)
        step = await _step(ctx, pool, codes, rate, step_s, 0, via="gateway")
        steps.append({**step, "share_of_direct_peak": share})
        _gateway_row(table, step, share)
        if step["sustained"]:
            break
    best = next((s["offered_rps"] for s in steps if s["sustained"]), 0.0)
    to_direct = ratio(best, peak)
    table.notes.append(
        f"highest sustained through the gateway: {best:g}/s = {to_direct} x the direct peak "
        f"(target ≥ 0.8); fresh customers per step, the direct steps' criteria"
    )
    if refused := sum(throttled(s["load"]) for s in steps):
        table.notes.append(f"{refused} POSTs got 429: the gateway's rate limits throttled them")
    results = {
        "url": ctx.target.gateway_url,
        "direct_peak_rps": peak,
        "shares": list(p.gateway_shares),
        "warmup": warm,
        "steps": steps,
        "peak_sustained_rps": best,
        "ratio_to_direct": to_direct,
    }
    return results, table


def _gateway_row(table: Table, step: dict[str, Any], share: float) -> None:
    load, envoy = step["load"], step["gateway_cpu"]
    gateway = step["via"] == "gateway"
    table.add(
        step["via"], share, step["offered_rps"], load["achieved_rps"], load["errors"],
        *latency_cells(load), step["backlog_max"], step["drain_s"], step["settled_per_s"],
        envoy["us_per_request"] if gateway else None, envoy["pct_of_core"] if gateway else None,
        load["generator_cpu_pct"], step["sustained"],
    )  # fmt: skip


async def run(ctx: Context) -> Outcome:
    p = ctx.profile
    rates = ctx.options.rates or p.settle_rates
    step_s = ctx.options.step_s or p.settle_step_s
    codes = await mission_codes(ctx)
    warm = await _warm_up(ctx, codes, "direct")
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
    tables = [table]
    gateway: dict[str, Any] = {"skipped": "no direct step was sustained: nothing to compare"}
    if ctx.best_step is not None and ctx.best_step["sustained"]:
        gateway, gateway_table = await _through_gateway(ctx, codes, step_s, ctx.best_step)
        tables.append(gateway_table)
    return Outcome(
        results={
            "peak_sustained_rps": peak,
            # RSS/PSS of the stack sampled every 2 s through the steps (largest seen)
            "footprint_peak": ctx.under_load.as_json(),
            "steps": steps,
            "warmup": warm,
            "gateway": gateway,
        },
        tables=tables,
        params={
            "rates": list(rates),
            "step_s": step_s,
            "customers_per_step": p.customers,
            "mission_codes": codes,
            "warmup_rate": p.settle_warmup_rate,
            "warmup_s": p.settle_warmup_s,
            "gateway_shares_of_peak": list(p.gateway_shares),
            "drain_grace_s": p.drain_grace_s,
            "growth_limit": f"max({GROWTH_FLOOR:g}, {GROWTH_LIMIT:g} x rate) events/s "
            "over the step's second half",
            "intake_grace_s": INTAKE_GRACE_S,
        },
    )
