"""circuit-open: gift is stopped, wallet's breaker opens after a few failed exchanges,
and from then on the fallback (503 + Retry-After, reward untouched) is measured at a
fixed rate. Gift is started again afterwards. Needs a stack whose processes this
harness may stop (one it started, or the Stack object it was given)."""

from __future__ import annotations

import asyncio
from typing import Any

from bench.load import LoadSpec
from bench.metrics import counter_sum, scrape
from bench.report import Table
from bench.scenarios.base import (
    Context,
    Outcome,
    Skip,
    get_json,
    latency_cells,
    player_tokens,
    post_json,
    seed_settled,
    wait_wallets,
)

NAME = "circuit-open"
SUMMARY = "gift stopped, breaker open: fallback 503 latency at a fixed rate"
GIFT = "gift-0"
REJECTED_OPEN = 'outcome="rejected_open"'


async def _breaker(ctx: Context) -> dict[str, Any]:
    breakers = await get_json(ctx, "wallet", "/admin/circuit-breakers")
    return dict(breakers[0]) if breakers else {}


async def _rejected_open(ctx: Context) -> float:
    texts = await scrape(ctx.http, {"wallet": ctx.url("wallet")})
    return counter_sum(texts["wallet"], "questline_gift_calls_total", REJECTED_OPEN)


async def run(ctx: Context) -> Outcome:
    stack = ctx.target.stack
    if stack is None or GIFT not in stack.processes:
        raise Skip("needs a stack this harness may stop and restart (not --use-running)")
    p = ctx.profile
    people, _ = await seed_settled(ctx, "circuit", p.circuit_rewards, 1, p.seed_rate)
    wallets = await wait_wallets(ctx, people, 1)
    pairs = [(c, rewards[0]["rewardId"]) for c, rewards in wallets.items()]
    status, gift = await post_json(ctx, "gift", "/gifts", {"name": "bench circuit", "stock": 1000})
    if status != 201:
        raise RuntimeError(f"creating a gift: {status} {gift}")
    body = f'{{"giftId": "{gift["id"]}"}}'.encode()
    paths = tuple(f"/wallets/{c}/rewards/{r}/exchange" for c, r in pairs)
    tokens = player_tokens(ctx, (c for c, _ in pairs))

    await asyncio.to_thread(stack.stop, GIFT)
    try:
        trips: list[int] = []
        state = await _breaker(ctx)
        threshold = int(state.get("threshold") or 5)
        for i in range(threshold * 3):
            if state.get("state") == "opened":
                break
            code, _ = await post_json(
                ctx,
                "wallet",
                paths[i % len(paths)],
                {"giftId": gift["id"]},
                tokens[i % len(tokens)],
            )
            trips.append(code)
            state = await _breaker(ctx)
        if state.get("state") != "opened":
            raise RuntimeError(f"the breaker did not open after {len(trips)} calls: {state}")
        rejected_before = await _rejected_open(ctx)
        result = await ctx.load.run(
            LoadSpec(
                name=NAME,
                base_url=ctx.url("wallet"),
                method="POST",
                paths=paths,
                bodies=(body,),
                tokens=tokens,
                rate=ctx.options.rate or p.circuit_rate,
                duration_s=p.circuit_s,
                warmup_s=p.warmup_s,
                ok_status=(503,),
            )
        )
        rejected = await _rejected_open(ctx) - rejected_before
        state_after = await _breaker(ctx)
    finally:
        await asyncio.to_thread(stack.start, "gift")
        await asyncio.to_thread(stack.wait_ready, ["gift"], 60)
    untouched = all(
        w["status"] == "AVAILABLE"
        for rewards in (await wait_wallets(ctx, people, 1)).values()
        for w in rewards
    )
    load = result.summary()
    table = Table(
        f"{NAME}: gift stopped, breaker open; POST …/exchange answered by the fallback",
        ["offered/s", "503/s", "other", "p50 ms", "p95 ms", "p99 ms", "max ms", "gen CPU %"],
    )
    table.add(
        load["offered_rps"], load["achieved_rps"], load["errors"], *latency_cells(load),
        load["generator_cpu_pct"],
    )  # fmt: skip
    table.notes.append(
        f"tripped by {len(trips)} calls ({trips}); during the run the breaker was "
        f"{state_after.get('state')}, {rejected:.0f} calls rejected without touching gift "
        f"(the rest probed it after the cooldown); rewards still AVAILABLE: {untouched}; "
        "gift restarted"
    )
    return Outcome(
        results={
            "trip_calls": trips,
            "breaker_before_measure": state,
            "breaker_after_measure": state_after,
            "rejected_open": rejected,
            "rewards_untouched": untouched,
            "fallback": load,
        },
        tables=[table],
        params={"rate": load["offered_rps"], "duration_s": p.circuit_s, "rewards": len(pairs)},
    )
