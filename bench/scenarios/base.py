"""What every scenario gets (the context) and gives back (an outcome), plus the helpers
they share: mission codes, request bodies, seeding settled customers."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import aiohttp
import orjson

from bench.footprint import Peak, Snapshot
from bench.lag import Backlog
from bench.load import LoadResult, LoadRunner, LoadSpec
from bench.profile import Profile
from bench.report import Table
from bench.target import Target

# How a load reaches a service: on the service's own port, or through the gateway.
Via = Literal["direct", "gateway"]


@dataclass(frozen=True)
class Options:
    quick: bool = False
    rate: float | None = None  # fixed rate of settle-latency, mypage-reads, circuit-open
    rates: tuple[float, ...] | None = None  # settle-throughput steps
    step_s: float | None = None  # settle-throughput step length


class Skip(Exception):
    """The scenario cannot run against this target (reason in the message)."""


@dataclass
class Context:
    target: Target
    profile: Profile
    options: Options
    load: LoadRunner
    http: aiohttp.ClientSession
    backlog: Backlog
    run_id: str
    # Filled by one scenario, read by later ones.
    peak_sustained_rps: float | None = None
    best_step: dict[str, Any] | None = None  # the settle step the baseline ratios use
    rest: Snapshot | None = None
    under_load: Peak = field(default_factory=Peak)
    codes: list[str] = field(default_factory=list)
    idle_cpu_pct: float | None = None  # the whole stack at rest, % of one core

    def url(self, service: str, via: Via = "direct") -> str:
        """Where a service's public routes are: its own port, or the gateway's."""
        return self.target.gateway_url if via == "gateway" else self.target.urls[service]


@dataclass
class Outcome:
    results: dict[str, Any]
    tables: list[Table]
    params: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------- helpers


async def get_json(ctx: Context, service: str, path: str) -> Any:
    async with ctx.http.get(ctx.url(service) + path) as response:
        if response.status != 200:
            raise RuntimeError(f"GET {service}{path}: {response.status} {await response.text()}")
        return await response.json()


async def post_json(
    ctx: Context, service: str, path: str, body: Any, token: str | None = None
) -> tuple[int, Any]:
    """POST as the operator (the session's default token) unless another token is given."""
    headers = {"Authorization": f"Bearer {token}"} if token else None
    async with ctx.http.post(ctx.url(service) + path, json=body, headers=headers) as response:
        return response.status, await response.json(content_type=None)


async def mission_codes(ctx: Context) -> list[str]:
    """Active mission codes of the catalogue (the seeded ones on a fresh system)."""
    if not ctx.codes:
        now = datetime.now(UTC)
        codes = []
        for d in await get_json(ctx, "mission", "/mission-definitions"):
            starts = _time(d.get("startsAt"))
            ends = _time(d.get("endsAt"))
            if (
                d.get("active")
                and (starts is None or starts <= now)
                and (ends is None or now < ends)
            ):
                codes.append(d["code"])
        ctx.codes = codes or ["first-win"]
    return ctx.codes


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def achievement_body(customer: str, code: str) -> bytes:
    return orjson.dumps({"customerId": customer, "missionCode": code})


def customers(ctx: Context, prefix: str, n: int) -> list[str]:
    return [f"b{ctx.run_id}-{prefix}-{i}" for i in range(n)]


def spread_bodies(pool: list[str], codes: list[str], n: int, start: int = 0) -> list[bytes]:
    """n achievements, round-robin over the customers, the next mission code each round."""
    return [
        achievement_body(
            pool[(start + i) % len(pool)], codes[((start + i) // len(pool)) % len(codes)]
        )
        for i in range(n)
    ]


def mission_load(
    ctx: Context,
    name: str,
    bodies: list[bytes],
    rate: float,
    duration_s: float | None = None,
    *,
    via: Via = "direct",
    **extra: Any,
) -> LoadSpec:
    return LoadSpec(
        name=name,
        base_url=ctx.url("mission", via),
        method="POST",
        paths=("/missions",),
        bodies=tuple(bodies),
        tokens=(ctx.target.tokens().game_backend(),),
        rate=rate,
        duration_s=duration_s if duration_s is not None else len(bodies) / rate,
        ok_status=(201,),
        **extra,
    )


async def wait_drained(ctx: Context, timeout: float) -> float | None:
    """Seconds until the backlog (lag + unsent outbox) is zero, or None on timeout."""
    began = time.monotonic()
    seen = await ctx.backlog.wait_drained(timeout)
    return None if seen is None else max(0.0, seen - began)


async def seed_settled(
    ctx: Context, prefix: str, n_customers: int, per_customer: int, rate: float
) -> tuple[list[str], LoadResult]:
    """Fresh customers with `per_customer` achievements each, settled everywhere."""
    codes = await mission_codes(ctx)
    people = customers(ctx, prefix, n_customers)
    bodies = [
        achievement_body(c, codes[(i + k) % len(codes)])
        for k in range(per_customer)
        for i, c in enumerate(people)
    ]
    # Seed below what the system is known to sustain: seeding is set-up, not a test.
    if ctx.peak_sustained_rps:
        rate = min(rate, 0.8 * ctx.peak_sustained_rps)
    result = await ctx.load.run(mission_load(ctx, f"seed-{prefix}", bodies, rate))
    if result.ok != len(bodies):
        raise RuntimeError(f"seeding {prefix}: {result.ok}/{len(bodies)} achievements accepted")
    if await wait_drained(ctx, ctx.profile.drain_timeout_s) is None:
        raise RuntimeError(f"seeding {prefix}: the backlog did not drain")
    await wait_wallets(ctx, people, per_customer)
    return people, result


async def wait_wallets(
    ctx: Context, people: list[str], per_customer: int, timeout: float = 60
) -> dict[str, list[dict[str, Any]]]:
    """Each customer's wallet, once it holds `per_customer` rewards."""
    gate = asyncio.Semaphore(16)
    deadline = time.monotonic() + timeout

    async def one(customer: str) -> list[dict[str, Any]]:
        async with gate:
            while True:
                rewards: list[dict[str, Any]] = (
                    await get_json(ctx, "wallet", f"/wallets/{customer}")
                )["rewards"]
                if len(rewards) >= per_customer:
                    return rewards
                if time.monotonic() > deadline:
                    raise RuntimeError(f"wallet of {customer}: {len(rewards)}/{per_customer}")
                await asyncio.sleep(0.2)

    wallets = await asyncio.gather(*(one(c) for c in people))
    return dict(zip(people, wallets, strict=True))


def _page_complete(page: dict[str, Any]) -> bool:
    """A page of a customer with one achievement shows its reward."""
    missions, wallet = page.get("missions") or [], page.get("wallet") or []
    return (
        len(missions) == 1
        and bool(missions[0].get("rewardId"))
        and len(wallet) == 1
        and page.get("updatedAt") is not None
    )


async def page_settled_at(ctx: Context, customer: str, deadline: float) -> float | None:
    """When My Page last changed the page of a customer with one achievement (its
    `updatedAt`, epoch seconds) once it shows the reward; None if not by `deadline`."""
    while True:
        page = await get_json(ctx, "mypage", f"/mypage/{customer}")
        if _page_complete(page):
            return datetime.fromisoformat(page["updatedAt"].replace("Z", "+00:00")).timestamp()
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(0.2)


def player_tokens(ctx: Context, customers: Any) -> tuple[str, ...]:
    """Each customer's own player token, in the order given (an exchange is the owner's).
    One token per customer, as a player's client keeps its token for its session rather
    than signing in again before each request (services check a token once, then
    remember it until it expires)."""
    minter = ctx.target.tokens()
    session: dict[str, str] = {}
    return tuple(session.get(c) or session.setdefault(c, minter.player(c)) for c in customers)


def latency_cells(summary: dict[str, Any]) -> tuple[Any, ...]:
    lat = summary["latency_ms"]
    return (lat["p50"], lat["p95"], lat["p99"], lat["max"])
