"""After the storm: every operation the load saw accepted must be in the system, once;
nothing may exist that nobody asked for; then the audit checks every invariant."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from chaos.faults import Fault
from chaos.load import Load, Tally
from questline.devstack.stack import Stack

SETTLE_TIMEOUT_S = 180.0


async def resolve_unknown(load: Load, client: httpx.AsyncClient) -> None:
    """A careful game backend asks again, with the same key, about each achievement it
    never got an answer for: the key makes that safe, and the answer says what happened."""
    retry = Tally()
    for key, customer in list(load.unknown_achievements.items()):
        if await load.report(client, customer, key, retry) is not None:
            del load.unknown_achievements[key]


async def settle_and_count(
    load: Load, client: httpx.AsyncClient, gateway: str, gift_ids: list[str]
) -> dict[str, Any]:
    """Wait until every customer's achievements carry their reward everywhere (or time
    out), then compare what the load was told with what the system holds."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    started = time.monotonic()
    customers = sorted({c for c, _ in load.accepted_achievements.values()})
    while True:
        views = await asyncio.gather(*(_view(client, gateway, c) for c in customers))
        if all(v is not None and v["settled"] for v in views) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    held = {c: v for c, v in zip(customers, views, strict=True) if v is not None}
    achievements = {a for v in held.values() for a in v["achievements"]}
    accepted = {a for _, a in load.accepted_achievements.values()}
    exchanged = {r: v["exchanged"][r] for v in held.values() for r in v["exchanged"]}
    gifts = [await _get(client, f"{gateway}/gifts/{g}") for g in gift_ids]
    return {
        "settled": all(v is not None and v["settled"] for v in views),
        "settle_s": round(time.monotonic() - started, 1),
        "achievements_accepted": len(accepted),
        "achievements_held": len(achievements),
        "achievements_lost": sorted(accepted - achievements)[:20],
        "achievements_lost_count": len(accepted - achievements),
        # Held but never accepted: a retry that made a second achievement, or one whose
        # answer never came back (still unknown after asking again).
        "achievements_unasked_count": len(achievements - accepted),
        "achievements_still_unknown": len(load.unknown_achievements),
        "exchanges_accepted": len(load.accepted_exchanges),
        "exchanges_lost": sorted(
            r
            for r, (_, gift, x) in load.accepted_exchanges.items()
            if exchanged.get(r) != (gift, x)
        )[:20],
        "gifts": [
            {k: g.get(k) for k in ("id", "stock", "stockedTotal", "exchangedCount")}
            for g in gifts
            if g is not None
        ],
    }


async def _view(client: httpx.AsyncClient, gateway: str, customer: str) -> dict[str, Any] | None:
    missions = await _get(client, f"{gateway}/missions?customerId={customer}&limit=1000")
    wallet = await _get(client, f"{gateway}/wallets/{customer}")
    page = await _get(client, f"{gateway}/mypage/{customer}")
    if missions is None or wallet is None or page is None:
        return None
    items = missions["items"]
    rewards = {w["rewardId"] for w in wallet["rewards"]}
    settled = (
        all(m["rewardId"] in rewards for m in items)
        and len(page["missions"]) == len(items)
        and len(page["wallet"]) == len(wallet["rewards"])
        and {(w["rewardId"], w["status"]) for w in page["wallet"]}
        == {(w["rewardId"], w["status"]) for w in wallet["rewards"]}
    )
    return {
        "settled": settled,
        "achievements": [m["id"] for m in items],
        "exchanged": {
            w["rewardId"]: (w["giftId"], w["exchangeId"])
            for w in wallet["rewards"]
            if w["status"] == "EXCHANGED"
        },
    }


async def _get(client: httpx.AsyncClient, url: str) -> Any:
    try:
        response = await client.get(url)
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None


def audit(stack: Stack, wait_s: float = 60.0) -> dict[str, Any]:
    """Invariants 1-6 over the stack's databases, through the audit's read-only role
    (again until clean or `wait_s` is up: events may still be on their way)."""
    from questline.audit import Unreachable, database_urls
    from questline.audit import audit as run_audit

    try:
        report = run_audit(database_urls(stack.data_dir, {}), wait=wait_s)
    except Unreachable as error:
        return {"clean": False, "unreachable": str(error)}
    return report.to_json() | {"text": report.to_text()}


def problems(
    load: Load, books: dict[str, Any], audit: dict[str, Any], faults: list[Fault]
) -> list[str]:
    found = []
    for name, tally in (("achievements", load.achievements), ("exchanges", load.exchanges)):
        errors = {a: n for a, n in tally.attempts.items() if a == "500"}
        if errors:
            found.append(f"{name}: server errors {errors}")
    if not books["settled"]:
        found.append(f"not settled after {SETTLE_TIMEOUT_S:.0f} s")
    if books["achievements_lost_count"]:
        found.append(f"{books['achievements_lost_count']} accepted achievements lost")
    if books["achievements_unasked_count"]:
        found.append(f"{books['achievements_unasked_count']} achievements nobody was told of")
    if books["achievements_still_unknown"]:
        found.append(f"{books['achievements_still_unknown']} achievements still without answer")
    if books["exchanges_lost"]:
        found.append(f"accepted exchanges not in the wallet: {books['exchanges_lost']}")
    for gift in books["gifts"]:
        if gift["stock"] < 0 or gift["stockedTotal"] != gift["stock"] + gift["exchangedCount"]:
            found.append(f"gift {gift['id']} oversold or miscounted: {gift}")
    if not audit.get("clean", False):
        found.append("the audit found violations")
    for fault in faults:
        if fault.recovered_s is None:
            found.append(f"not recovered after {fault.kind} of {fault.target}")
    return found
