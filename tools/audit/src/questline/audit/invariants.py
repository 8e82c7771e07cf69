"""Invariants 1-6 of SYSTEM.md, checked on a snapshot of the service databases
(6, My Page, in its own module).

Rows of different services are matched by their ids in memory. Every check trusts no
constraint of the databases (unique keys, foreign keys, checks): counting what a
constraint forbids costs nothing and still holds if the constraint is ever lost.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import TypeVar

from questline.audit.my_page import my_page_shows_what_services_hold
from questline.audit.report import InvariantResult, Violation
from questline.audit.rows import Snapshot

T = TypeVar("T")
EXCHANGED = "EXCHANGED"


def check_all(snapshot: Snapshot) -> list[InvariantResult]:
    return [check(snapshot) for check in INVARIANTS]


def one_reward_per_achievement(s: Snapshot) -> InvariantResult:
    result = InvariantResult(1, "Every achievement has exactly one reward")
    result.checked = {"achievements": len(s.achievements), "rewards": len(s.rewards)}
    rewards_of = _group(s.rewards, lambda r: r.mission_id)
    for a in s.achievements:
        found = rewards_of.get(a.id, [])
        if not found:
            result.add(
                Violation(
                    "achievement without a reward",
                    f"achievement {a.id} (customer {a.customer_id}) has no reward",
                    {"achievementId": a.id, "customerId": a.customer_id},
                )
            )
        elif len(found) > 1:
            ids = ", ".join(r.id for r in found)
            result.add(
                Violation(
                    "achievement with more than one reward",
                    f"achievement {a.id} has {len(found)} rewards: {ids}",
                    {"achievementId": a.id, "customerId": a.customer_id},
                )
            )
    achieved = {a.id for a in s.achievements}
    for r in s.rewards:
        if r.mission_id not in achieved:
            result.add(
                Violation(
                    "reward for no achievement",
                    f"reward {r.id} names achievement {r.mission_id}, which mission does not hold",
                    {"rewardId": r.id, "achievementId": r.mission_id},
                )
            )
    return result


def every_reward_in_its_wallet(s: Snapshot) -> InvariantResult:
    result = InvariantResult(
        2,
        "Every reward is in its customer's wallet exactly once, "
        "and its achievement names that reward",
    )
    result.checked = {"rewards": len(s.rewards), "wallet entries": len(s.wallet)}
    entries_of = _group(s.wallet, lambda w: w.reward_id)
    achievement = {a.id: a for a in s.achievements}
    for r in s.rewards:
        ids = {"rewardId": r.id, "customerId": r.customer_id}
        entries = entries_of.get(r.id, [])
        if not entries:
            result.add(
                Violation(
                    "reward missing from the wallet",
                    f"reward {r.id} of {r.customer_id} is in no wallet",
                    ids,
                )
            )
        elif len(entries) > 1:
            result.add(
                Violation(
                    "reward in the wallet more than once",
                    f"reward {r.id} is in the wallet {len(entries)} times",
                    ids,
                )
            )
        for w in entries:
            if w.customer_id != r.customer_id:
                result.add(
                    Violation(
                        "reward in another customer's wallet",
                        f"reward {r.id} of {r.customer_id} is in {w.customer_id}'s wallet",
                        {**ids, "walletCustomerId": w.customer_id},
                    )
                )
        a = achievement.get(r.mission_id)
        if a is not None and a.reward_id != r.id:
            result.add(
                Violation(
                    "achievement not linked to its reward",
                    f"achievement {a.id} names reward {a.reward_id}, not its reward {r.id}",
                    {"achievementId": a.id, "rewardId": r.id, "linkedRewardId": a.reward_id},
                )
            )
    issued = {r.id for r in s.rewards}
    for w in s.wallet:
        if w.reward_id not in issued:
            result.add(
                Violation(
                    "wallet entry for no issued reward",
                    f"{w.customer_id}'s wallet holds reward {w.reward_id}, "
                    "which reward never issued",
                    {"rewardId": w.reward_id, "customerId": w.customer_id},
                )
            )
    return result


def one_exchange_per_reward(s: Snapshot) -> InvariantResult:
    result = InvariantResult(
        3,
        "A reward is exchanged at most once; every EXCHANGED wallet entry has exactly one "
        "exchange record, and every exchange record its EXCHANGED wallet entry",
    )
    exchanged = [w for w in s.wallet if w.status == EXCHANGED]
    result.checked = {
        "exchanged wallet entries": len(exchanged),
        "exchange records": len(s.exchanges),
    }
    records_of = _group(s.exchanges, lambda x: x.reward_id)
    for reward_id, records in records_of.items():
        if len(records) > 1:
            result.add(
                Violation(
                    "reward exchanged more than once",
                    f"reward {reward_id} has {len(records)} exchange records: "
                    + ", ".join(f"{x.id} ({x.gift_id})" for x in records),
                    {"rewardId": reward_id},
                )
            )
    for w in exchanged:
        ids = {"rewardId": w.reward_id, "exchangeId": w.exchange_id, "giftId": w.gift_id}
        records = records_of.get(w.reward_id, [])
        if not records:
            result.add(
                Violation(
                    "EXCHANGED wallet entry without an exchange record",
                    f"reward {w.reward_id} is EXCHANGED in the wallet (exchange "
                    f"{w.exchange_id}, gift {w.gift_id}) but gift has no exchange for it",
                    ids,
                )
            )
        elif len(records) == 1 and (records[0].id, records[0].gift_id) != (
            w.exchange_id,
            w.gift_id,
        ):
            record = records[0]
            result.add(
                Violation(
                    "wallet entry and exchange record disagree",
                    f"reward {w.reward_id}: the wallet says exchange {w.exchange_id} for "
                    f"{w.gift_id}, gift says exchange {record.id} for {record.gift_id}",
                    {**ids, "recordExchangeId": record.id, "recordGiftId": record.gift_id},
                )
            )
    entry = {w.reward_id: w for w in s.wallet}
    for x in s.exchanges:
        held = entry.get(x.reward_id)
        if held is None or held.status != EXCHANGED:
            result.add(
                Violation(
                    "exchange record without its EXCHANGED wallet entry",
                    f"exchange {x.id} of reward {x.reward_id} for {x.gift_id}: the wallet "
                    + ("has no such reward" if held is None else f"entry is {held.status}"),
                    {"exchangeId": x.id, "rewardId": x.reward_id, "giftId": x.gift_id},
                )
            )
    return result


def no_gift_oversold(s: Snapshot) -> InvariantResult:
    result = InvariantResult(
        4, "No gift is oversold: stock >= 0 and stocked total = stock left + exchanges made"
    )
    if s.gifts is None:
        result.skipped = "not checked for one customer: every customer shares the gifts"
        return result
    result.checked = {"gifts": len(s.gifts), "exchange records": len(s.exchanges)}
    made = Counter(x.gift_id for x in s.exchanges)
    for g in s.gifts:
        ids = {"giftId": g.id}
        if g.stock < 0:
            result.add(Violation("stock below zero", f"gift {g.id} has stock {g.stock}", ids))
        if g.stocked_total != g.stock + made[g.id]:
            result.add(
                Violation(
                    "stocked total is not stock left plus exchanges made",
                    f"gift {g.id}: stocked {g.stocked_total}, but {g.stock} left "
                    f"+ {made[g.id]} exchanged = {g.stock + made[g.id]}",
                    ids,
                )
            )
    known = {g.id for g in s.gifts}
    for x in s.exchanges:
        if x.gift_id not in known:
            result.add(
                Violation(
                    "exchange of an unknown gift",
                    f"exchange {x.id} of reward {x.reward_id} names gift {x.gift_id}, "
                    "which gift does not hold",
                    {"exchangeId": x.id, "giftId": x.gift_id},
                )
            )
    return result


def reward_and_wallet_agree(s: Snapshot) -> InvariantResult:
    result = InvariantResult(5, "Reward status EXCHANGED <=> wallet entry EXCHANGED")
    result.checked = {"rewards": len(s.rewards), "wallet entries": len(s.wallet)}
    entry = {w.reward_id: w for w in s.wallet}
    reward = {r.id: r for r in s.rewards}
    for r in s.rewards:
        w = entry.get(r.id)
        wallet_status = w.status if w else "missing"
        if r.status == EXCHANGED and wallet_status != EXCHANGED:
            result.add(
                Violation(
                    "reward EXCHANGED, wallet entry not",
                    f"reward {r.id} is EXCHANGED (gift {r.gift_id}); "
                    f"its wallet entry is {wallet_status}",
                    {"rewardId": r.id, "customerId": r.customer_id},
                )
            )
        elif w is not None and r.status == EXCHANGED and r.gift_id != w.gift_id:
            result.add(
                Violation(
                    "reward and wallet entry name different gifts",
                    f"reward {r.id} was exchanged for {r.gift_id} says reward, "
                    f"for {w.gift_id} says the wallet",
                    {"rewardId": r.id, "rewardGiftId": r.gift_id, "walletGiftId": w.gift_id},
                )
            )
    for w in s.wallet:
        issued = reward.get(w.reward_id)
        if w.status == EXCHANGED and (issued is None or issued.status != EXCHANGED):
            result.add(
                Violation(
                    "wallet entry EXCHANGED, reward not",
                    f"reward {w.reward_id} is EXCHANGED in the wallet (gift {w.gift_id}); "
                    f"reward says {issued.status if issued else 'missing'}",
                    {"rewardId": w.reward_id, "customerId": w.customer_id},
                )
            )
    return result


def _group(rows: Iterable[T], key: Callable[[T], str]) -> dict[str, list[T]]:
    grouped: dict[str, list[T]] = defaultdict(list)
    for row in rows:
        grouped[key(row)].append(row)
    return grouped


INVARIANTS: list[Callable[[Snapshot], InvariantResult]] = [
    one_reward_per_achievement,
    every_reward_in_its_wallet,
    one_exchange_per_reward,
    no_gift_oversold,
    reward_and_wallet_agree,
    my_page_shows_what_services_hold,
]
