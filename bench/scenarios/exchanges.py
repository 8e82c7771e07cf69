"""exchanges: many players exchange settled rewards for one gift with limited stock, at
once (closed loop, N connections), more rewards than units. Reports successful
exchanges per second and checks that nothing was oversold."""

from __future__ import annotations

import random
from typing import Any

from bench.load import LoadSpec
from bench.report import Table
from bench.scenarios.base import (
    Context,
    Outcome,
    get_json,
    latency_cells,
    player_tokens,
    post_json,
    seed_settled,
    wait_wallets,
)

NAME = "exchanges"
SUMMARY = "concurrent exchanges for more rewards than stock; exchanges/s, 0 oversell"
WARMUP_EXCHANGES = 5


async def _new_gift(ctx: Context, name: str, stock: int) -> dict[str, Any]:
    status, body = await post_json(ctx, "gift", "/gifts", {"name": name, "stock": stock})
    if status != 201:
        raise RuntimeError(f"creating a gift: {status} {body}")
    return dict(body)


def _spec(ctx: Context, name: str, pairs: list[tuple[str, str]], gift: str, n: int) -> LoadSpec:
    body = f'{{"giftId": "{gift}"}}'.encode()
    return LoadSpec(
        name=name,
        base_url=ctx.url("wallet"),
        method="POST",
        paths=tuple(f"/wallets/{c}/rewards/{r}/exchange" for c, r in pairs),
        bodies=(body,),
        tokens=player_tokens(ctx, (c for c, _ in pairs)),
        concurrency=n,
        ok_status=(200, 409),
        timeout_s=15,
    )


async def run(ctx: Context) -> Outcome:
    p = ctx.profile
    per = p.rewards_per_customer
    wanted = p.exchange_rewards + WARMUP_EXCHANGES
    people, _ = await seed_settled(ctx, "exch", -(-wanted // per), per, p.seed_rate)
    wallets = await wait_wallets(ctx, people, per)
    pairs = [(c, w["rewardId"]) for c, rewards in wallets.items() for w in rewards]
    random.Random(7).shuffle(pairs)
    warm_pairs, pairs = pairs[:WARMUP_EXCHANGES], pairs[WARMUP_EXCHANGES:wanted]

    warm_gift = await _new_gift(ctx, f"bench warm-up {ctx.run_id}", WARMUP_EXCHANGES)
    await ctx.load.run(_spec(ctx, f"{NAME}-warmup", warm_pairs, warm_gift["id"], 2))

    gift = await _new_gift(ctx, f"bench gift {ctx.run_id}", p.gift_stock)
    result = await ctx.load.run(_spec(ctx, NAME, pairs, gift["id"], p.exchange_concurrency))
    after = await get_json(ctx, "gift", f"/gifts/{gift['id']}")
    load = result.summary()
    ok = result.status_counts.get("200", 0)
    out_of_stock = result.status_counts.get("409", 0)
    first, last = result.status_windows.get("200", (0.0, 0.0))
    taken = after["stockedTotal"] - after["stock"]
    checks = {
        "stock_not_negative": after["stock"] >= 0,
        "stocked_total_is_stock_plus_exchanged": after["stockedTotal"]
        == after["stock"] + after["exchangedCount"],
        "oks_equal_units_taken": ok == taken == after["exchangedCount"],
        "no_oversell": after["exchangedCount"] <= p.gift_stock,
    }
    rate = round(ok / last, 1) if last > 0 else None
    table = Table(
        f"{NAME}: {len(pairs)} rewards -> one gift with stock {p.gift_stock}, "
        f"{p.exchange_concurrency} at once",
        ["200", "409", "other", "exchanges/s", "p50 ms", "p95 ms", "p99 ms", "max ms",
         "stock left", "oversold", "checks"],
    )  # fmt: skip
    table.add(
        ok, out_of_stock, load["completed"] - ok - out_of_stock + load["unfinished"], rate,
        *latency_cells(load), after["stock"], max(0, after["exchangedCount"] - p.gift_stock),
        "ok" if all(checks.values()) else "FAILED",
    )  # fmt: skip
    table.notes.append(
        "exchanges/s = successful exchanges / time from the first send to the last 200; "
        f"statuses {result.status_counts}, client errors {result.exceptions}"
    )
    return Outcome(
        results={
            "gift": after,
            "requests": len(pairs),
            "ok": ok,
            "out_of_stock": out_of_stock,
            "exchanges_per_s": rate,
            "first_ok_s": round(first, 3),
            "last_ok_s": round(last, 3),
            "units_taken": taken,
            "oversold": max(0, after["exchangedCount"] - p.gift_stock),
            "checks": checks,
            "load": load,
        },
        tables=[table],
        params={
            "stock": p.gift_stock,
            "rewards": len(pairs),
            "concurrency": p.exchange_concurrency,
            "customers": len(people),
            "rewards_per_customer": per,
        },
    )
