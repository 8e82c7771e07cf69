"""One chaos run: start the system, load it steadily, inject faults for `duration_s`,
stop the faults, let the load finish, wait for quiet, then account for every accepted
operation and audit every invariant."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from chaos import accounting
from chaos.faults import Injector
from chaos.load import Load
from chaos.system import System, started

QUIET_TIMEOUT_S = 180.0


@dataclass
class Plan:
    duration_s: float = 300.0
    achievements_per_s: float = 20.0
    exchanges_per_s: float = 4.0
    customers: int = 40
    seed: int = 1
    faults: list[str] | None = None  # kinds in order; None: drawn so every kind comes up
    gap_s: tuple[float, float] = (3.0, 8.0)  # healthy time between faults
    gift_stock: tuple[int, int] = (60, 100_000)  # a scarce gift (sells out) and a plentiful one


@dataclass
class Result:
    plan: Plan
    started_at: str
    seconds: float
    achievements: dict[str, Any]
    exchanges: dict[str, Any]
    faults: list[dict[str, Any]]
    supervisor: list[str]
    accounting: dict[str, Any]
    audit: dict[str, Any]
    problems: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.problems


def execute(plan: Plan, say: Callable[[str], None]) -> Result:
    origin = time.monotonic()

    def clock() -> float:
        return time.monotonic() - origin

    with started(say, clock) as system:
        origin = time.monotonic()  # the run's clock starts once the system is up
        return asyncio.run(_execute(system, plan, say, clock))


async def _execute(
    system: System, plan: Plan, say: Callable[[str], None], clock: Callable[[], float]
) -> Result:
    stack = system.stack
    rng = random.Random(plan.seed)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    tokens = stack.tokens()
    run_id = f"{plan.seed}-{rng.randrange(16**6):06x}"
    customers = [f"chaos-{run_id}-{i}" for i in range(plan.customers)]
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=100)
    operator = {"Authorization": f"Bearer {tokens.operator()}"}
    async with httpx.AsyncClient(timeout=10, limits=limits, headers=operator) as client:
        gifts = [await _new_gift(client, stack.gateway_url, s) for s in plan.gift_stock]
        load = Load(
            gateway=stack.gateway_url,
            customers=customers,
            gift_ids=gifts,
            game_token=tokens.game_backend(),
            player_tokens={c: tokens.player(c) for c in customers},
            rng=rng,
            clock=clock,
        )
        injector = Injector(system, rng, clock)
        kinds = plan.faults or injector.plan(max(1, int(plan.duration_s / 12)))
        stop = asyncio.Event()
        say(
            f"load: {plan.achievements_per_s}/s achievements, {plan.exchanges_per_s}/s "
            f"exchanges for {plan.duration_s:.0f} s; faults: {', '.join(kinds)}"
        )
        running = asyncio.gather(
            load.run(client, stop, plan.achievements_per_s, plan.exchanges_per_s),
            _announce(injector, kinds, stop, plan, say),
        )
        await asyncio.sleep(plan.duration_s)  # the run's length: load and faults go on
        stop.set()
        await running
        injector.release()
        say("faults stopped; letting the operations under way finish ...")
        await load.drain(timeout=120)
        if not await injector.wait_recovered(QUIET_TIMEOUT_S):
            say("the system did not come back within the quiet timeout")
        say("resolving the achievements whose outcome is unknown (same key again) ...")
        await accounting.resolve_unknown(load, client)
        say("waiting for the system to settle, then auditing ...")
        books = await accounting.settle_and_count(load, client, stack.gateway_url, gifts)
        audit = await asyncio.to_thread(accounting.audit, stack)
    problems = accounting.problems(load, books, audit, injector.faults)
    return Result(
        plan=plan,
        started_at=stamp,
        seconds=round(clock(), 1),
        achievements=load.achievements.as_dict(),
        exchanges=load.exchanges.as_dict(),
        faults=[_with_answers(f.as_dict(), load) for f in injector.faults],
        supervisor=[f"{t:7.1f} s  {line}" for t, line in system.supervisor_log],
        accounting=books,
        audit=audit,
        problems=problems,
    )


async def _announce(
    injector: Injector,
    kinds: list[str],
    stop: asyncio.Event,
    plan: Plan,
    say: Callable[[str], None],
) -> None:
    await asyncio.sleep(min(5.0, plan.duration_s / 10))  # some load before the first fault
    for kind in kinds:
        if stop.is_set():
            return
        fault = await injector.inject(kind)
        back = f"back in {fault.recovered_s:.1f} s" if fault.recovered_s else "NOT back"
        say(f"{fault.at_s:6.1f} s  {fault.kind:<13} {fault.target:<13} {back}")
        try:
            await asyncio.wait_for(stop.wait(), injector.rng.uniform(*plan.gap_s))
            return
        except TimeoutError:
            pass


async def _new_gift(client: httpx.AsyncClient, gateway: str, stock: int) -> str:
    response = await client.post(
        gateway + "/gifts", json={"name": f"Chaos gift ({stock})", "stock": stock}
    )
    response.raise_for_status()
    return str(response.json()["id"])


def _with_answers(fault: dict[str, Any], load: Load) -> dict[str, Any]:
    """The answers other than success the load met from the fault until a little after
    every part was ready again (clients retry with a back-off of up to 2 s)."""
    start = fault["at_s"]
    end = start + max(fault["recovered_s"] or 0.0, fault["held_s"]) + 2.0
    seen: Counter[str] = Counter()
    for name, tally in (("achievements", load.achievements), ("exchanges", load.exchanges)):
        for at, answer in tally.troubles:
            if start <= at <= end:
                seen[f"{name} {answer}"] += 1
    return {**fault, "answers": dict(sorted(seen.items()))}
