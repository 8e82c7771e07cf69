"""settle-latency: how long from POST /missions to My Page showing the reward.

At a fixed rate (half the peak sustained rate, or --rate), one request in k is for a
fresh customer with exactly one achievement. Its send time is kept; afterwards My Page
is read: `updatedAt` is when the read model last changed that page (its commit, same
machine clock), i.e. when the last of the achievement's events reached it.

The same load then goes through the gateway (same rate, its own customers), so the two
are measured in the same run."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from hdrh.histogram import HdrHistogram

from bench.cpu import Meter
from bench.gateway import throttled
from bench.load import HIST_MAX_US, Tracked, new_histogram
from bench.report import Table
from bench.scenarios.base import (
    Context,
    Outcome,
    Via,
    achievement_body,
    customers,
    latency_cells,
    mission_codes,
    mission_load,
    page_settled_at,
    wait_drained,
)

NAME = "settle-latency"
SUMMARY = "POST accepted -> My Page shows the reward (p50/p95/p99/max), direct and via gateway"


def _ms(h: HdrHistogram) -> dict[str, float | None]:
    if not h.get_total_count():
        return {"p50": None, "p95": None, "p99": None, "max": None, "mean": None}
    return {
        "p50": round(h.get_value_at_percentile(50) / 1000, 3),
        "p95": round(h.get_value_at_percentile(95) / 1000, 3),
        "p99": round(h.get_value_at_percentile(99) / 1000, 3),
        "max": round(h.get_max_value() / 1000, 3),
        "mean": round(h.get_mean_value() / 1000, 3),
    }


async def run(ctx: Context) -> Outcome:
    p = ctx.profile
    if ctx.options.rate:
        rate, why = ctx.options.rate, "--rate"
    elif ctx.peak_sustained_rps:
        rate, why = ctx.peak_sustained_rps / 2, "50 % of the peak sustained rate"
    else:
        rate, why = p.latency_rate, "default (no peak measured in this run)"
    direct = await _measure(ctx, rate, "direct")
    gateway = await _measure(ctx, rate, "gateway")
    table = Table(
        f"{NAME}: POST accepted -> My Page shows the reward, at {rate:g}/s ({why})",
        ["via", "measured from", "samples", "p50 ms", "p95 ms", "p99 ms", "max ms"],
    )
    _rows(table, "direct", direct)
    _rows(table, "gateway", gateway)
    envoy = gateway["gateway_cpu"]
    table.notes.append(
        f"1 in {p.latency_sample_every} requests is a fresh customer with exactly one "
        f"achievement; pages that never showed the reward within 30 s: {direct['missing']} "
        f"direct, {gateway['missing']} via gateway; POST errors: {direct['post']['errors']} "
        f"direct, {gateway['post']['errors']} via gateway ({throttled(gateway['post'])} x 429)"
    )
    table.notes.append(
        f"gateway ({ctx.target.gateway_url}): {envoy['us_per_request']} us of Envoy CPU per POST "
        f"({envoy['pct_of_core']} % of a core); generator CPU {direct['post']['generator_cpu_pct']}"
        f" % direct, {gateway['post']['generator_cpu_pct']} % via gateway"
    )
    if not (direct["started_with_empty_backlog"] and gateway["started_with_empty_backlog"]):
        table.notes.append("WARNING: an earlier backlog had not drained when a run started")
    return Outcome(
        results={"rate": rate, "rate_from": why, **direct, "gateway": gateway},
        tables=[table],
        params={"rate": rate, "duration_s": p.latency_s, "sample_every": p.latency_sample_every},
    )


def _rows(table: Table, via: Via, figures: dict[str, Any]) -> None:
    shown = figures["samples"] - figures["missing"]
    for since, key in (
        ("intended send", "settle_ms_from_send"),
        ("201 received", "settle_ms_from_accept"),
    ):
        table.add(via, since, shown, *latency_cells({"latency_ms": figures[key]}))
    post = figures["post"]
    table.add(via, "(POST itself)", post["completed"], *latency_cells(post))


async def _measure(ctx: Context, rate: float, via: Via) -> dict[str, Any]:
    """One run at `rate`, `via` the service's port or the gateway: a warm-up, the load
    (1 in k requests for a fresh customer), then each sampled page's `updatedAt`."""
    p = ctx.profile
    every = p.latency_sample_every
    codes = await mission_codes(ctx)
    tag = "" if via == "direct" else "gw"
    pool = customers(ctx, f"latpool{tag}", p.customers)  # the other k - 1 in k requests
    n = round(rate * p.latency_s)
    fresh = customers(ctx, f"lat{tag}", n // every + 1)
    bodies = [
        achievement_body(fresh[i // every], codes[0])
        if i % every == 0
        else achievement_body(pool[i % len(pool)], codes[i % len(codes)])
        for i in range(n)
    ]
    warm_n = max(1, round(rate * p.warmup_s))
    warm = [achievement_body(pool[i % len(pool)], codes[i % len(codes)]) for i in range(warm_n)]
    await ctx.load.run(mission_load(ctx, f"latency-warmup-{via}", warm, rate, via=via))
    quiet = await wait_drained(ctx, p.drain_timeout_s)  # None: a backlog was still draining

    envoy = Meter("gateway", ctx.target.gateway_pid())
    result = await ctx.load.run(
        mission_load(ctx, f"{NAME}-{via}", bodies, rate, p.latency_s, via=via, track_every=every)
    )
    envoy_cpu = envoy.read(result.completed)
    drain = await wait_drained(ctx, p.drain_timeout_s)
    accepted: list[Tracked] = [t for t in result.tracked if t.status == 201]
    deadline = time.monotonic() + 30
    gate = asyncio.Semaphore(16)

    async def one(t: Tracked) -> float | None:
        async with gate:
            return await page_settled_at(ctx, fresh[t.index // every], deadline)

    settled = await asyncio.gather(*(one(t) for t in accepted))
    from_send, from_accept = new_histogram(), new_histogram()
    missing = negative = 0
    for t, at in zip(accepted, settled, strict=True):
        if at is None:
            missing += 1
            continue
        from_send.record_value(min(HIST_MAX_US, max(1, int((at - t.intended_wall) * 1e6))))
        gap = at - t.done_wall
        negative += gap < 0
        from_accept.record_value(min(HIST_MAX_US, max(1, int(gap * 1e6))))
    return {
        "url": ctx.url("mission", via),
        "samples": len(accepted),
        "missing": missing,
        "accept_after_update": negative,
        "settle_ms_from_send": _ms(from_send),
        "settle_ms_from_accept": _ms(from_accept),
        "post": result.summary(),
        "drain_s": drain,
        "started_with_empty_backlog": quiet is not None,
        "gateway_cpu": envoy_cpu,  # Envoy's over the load (idle when direct)
    }
