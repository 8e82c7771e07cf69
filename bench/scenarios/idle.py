"""idle: what the whole stack costs while nothing happens. Runs first in a run, so no
earlier load perturbs it: one achievement is settled first (so the parts that start
lazily, e.g. connection pools and producers, are up, as they would be in service),
then the system is left alone, then the CPU of every process is read over a window."""

from __future__ import annotations

import asyncio
import time

from bench.cpu import left_out_note, ms_between, per_process_rows, take
from bench.report import Table
from bench.scenarios.base import (
    Context,
    Outcome,
    customers,
    mission_codes,
    page_settled_at,
    post_json,
    wait_drained,
)

NAME = "idle"
SUMMARY = "CPU of every stack process at rest (after one settled achievement), % of a core"


async def _warm(ctx: Context) -> dict[str, float | str | None]:
    """One achievement for a fresh customer, until My Page shows it and nothing is left."""
    customer = customers(ctx, "idle", 1)[0]
    codes = await mission_codes(ctx)
    began, sent = time.monotonic(), time.time()
    body = {"customerId": customer, "missionCode": codes[0]}
    status, answer = await post_json(
        ctx, "mission", "/missions", body, ctx.target.tokens().game_backend()
    )
    if status != 201:
        raise RuntimeError(f"warm-up achievement: {status} {answer}")
    shown = await page_settled_at(ctx, customer, time.monotonic() + ctx.profile.drain_timeout_s)
    if shown is None:
        raise RuntimeError("warm-up achievement: My Page never showed the reward")
    if await wait_drained(ctx, ctx.profile.drain_timeout_s) is None:
        raise RuntimeError("warm-up achievement: the backlog did not drain")
    return {
        "customer": customer,
        "mission_code": codes[0],
        "page_shown_after_ms": round((shown - sent) * 1000, 1),
        "settled_after_s": round(time.monotonic() - began, 2),
    }


async def run(ctx: Context) -> Outcome:
    p = ctx.profile
    warm = await _warm(ctx)
    await asyncio.sleep(p.idle_wait_s)  # idle since the warm-up settled
    roots = ctx.target.roots()
    before, began = take(roots), time.monotonic()
    await asyncio.sleep(p.idle_measure_s)
    after, seconds = take(roots), time.monotonic() - began
    ms = ms_between(before, after)
    rows = per_process_rows(ms, seconds)
    total = rows[-1]["pct_of_core"]
    ctx.idle_cpu_pct = float(total) if total is not None else None
    table = Table(
        f"{NAME}: CPU over {seconds:.1f} s after {p.idle_wait_s:g} s without load",
        ["process", "live procs", "CPU ms", "% of one core"],
    )
    for row in rows:
        name = str(row["process"])
        count = sum(after.processes.values()) if name == "total" else after.processes.get(name)
        table.add(name, count, row["cpu_ms"], row["pct_of_core"])
    table.notes.append(
        f"warmed first: one achievement settled in {warm['settled_after_s']} s (My Page "
        f"after {warm['page_shown_after_ms']} ms); postgres = postmaster + backends (ended "
        "backends through the postmaster's cutime); the harness and load generator are "
        "not counted (idle too)"
    )
    if left_out := left_out_note(roots, ms):
        table.notes.append(left_out)
    return Outcome(
        results={
            "warmup": warm,
            "idle_before_s": p.idle_wait_s,
            "window_s": round(seconds, 3),
            "cpu_ms": ms,
            "processes": after.processes,
            "rows": rows,
            "idle_cpu_pct_of_core": ctx.idle_cpu_pct,
        },
        tables=[table],
        params={"idle_wait_s": p.idle_wait_s, "measure_s": p.idle_measure_s},
    )
