"""settle-latency: how long from POST /missions to My Page showing the reward.

At a fixed rate (half the peak sustained rate, or --rate), one request in k is for a
fresh customer with exactly one achievement. Its send time is kept; afterwards My Page
is read: `updatedAt` is when the read model last changed that page (its commit, same
machine clock), i.e. when the last of the achievement's events reached it."""

from __future__ import annotations

import asyncio
import time

from hdrh.histogram import HdrHistogram

from bench.load import HIST_MAX_US, Tracked, new_histogram
from bench.report import Table
from bench.scenarios.base import (
    Context,
    Outcome,
    achievement_body,
    customers,
    latency_cells,
    mission_codes,
    mission_load,
    page_settled_at,
    wait_drained,
)

NAME = "settle-latency"
SUMMARY = "POST accepted -> My Page shows the reward (p50/p95/p99/max)"


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
    every = p.latency_sample_every
    codes = await mission_codes(ctx)
    pool = customers(ctx, "latpool", p.customers)  # the other 9 in 10 requests
    n = round(rate * p.latency_s)
    fresh = customers(ctx, "lat", n // every + 1)
    bodies = [
        achievement_body(fresh[i // every], codes[0])
        if i % every == 0
        else achievement_body(pool[i % len(pool)], codes[i % len(codes)])
        for i in range(n)
    ]
    warm_n = max(1, round(rate * p.warmup_s))
    warm = [achievement_body(pool[i % len(pool)], codes[i % len(codes)]) for i in range(warm_n)]
    await ctx.load.run(mission_load(ctx, "latency-warmup", warm, rate))
    quiet = await wait_drained(ctx, p.drain_timeout_s)  # None: a backlog was still draining

    result = await ctx.load.run(
        mission_load(ctx, NAME, bodies, rate, p.latency_s, track_every=every)
    )
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
    load = result.summary()
    table = Table(
        f"{NAME}: POST accepted -> My Page shows the reward, at {rate:g}/s ({why})",
        ["measured from", "samples", "p50 ms", "p95 ms", "p99 ms", "max ms"],
    )
    send_ms, accept_ms = _ms(from_send), _ms(from_accept)
    table.add("intended send", from_send.get_total_count(), *latency_cells({"latency_ms": send_ms}))
    table.add(
        "201 received", from_accept.get_total_count(), *latency_cells({"latency_ms": accept_ms})
    )
    table.add("(POST itself)", load["completed"], *latency_cells(load))
    table.notes.append(
        f"1 in {every} requests is a fresh customer with exactly one achievement; "
        f"{missing} sampled pages never showed the reward within 30 s; "
        f"POST errors: {load['errors']}; generator CPU {load['generator_cpu_pct']} %"
    )
    if quiet is None:
        table.notes.append("WARNING: an earlier backlog had not drained when this started")
    return Outcome(
        results={
            "rate": rate,
            "rate_from": why,
            "samples": len(accepted),
            "missing": missing,
            "accept_after_update": negative,
            "settle_ms_from_send": send_ms,
            "settle_ms_from_accept": accept_ms,
            "post": load,
            "drain_s": drain,
            "started_with_empty_backlog": quiet is not None,
        },
        tables=[table],
        params={"rate": rate, "duration_s": p.latency_s, "sample_every": every},
    )
