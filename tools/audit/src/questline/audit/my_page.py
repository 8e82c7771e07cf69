"""Invariant 6: My Page shows exactly what the owning services hold, per customer.

Compared is what the player sees: each achievement with its reward id and that reward's
status, each wallet entry with its status and gift (`Page.from_document` picks those
entries as mypage does).
"""

from __future__ import annotations

from collections import defaultdict

from questline.audit.report import InvariantResult, Violation
from questline.audit.rows import Achievement, Page, Snapshot, WalletEntry

Entries = dict[str, tuple[str | None, str | None]]  # entry id -> the two values compared


def my_page_shows_what_services_hold(s: Snapshot) -> InvariantResult:
    result = InvariantResult(
        6,
        "My Page shows exactly what mission, reward and wallet hold "
        "(missions with their reward ids and statuses, wallet entries with status and gift)",
    )
    achievements: dict[str, list[Achievement]] = defaultdict(list)
    for a in s.achievements:
        achievements[a.customer_id].append(a)
    entries: dict[str, list[WalletEntry]] = defaultdict(list)
    for w in s.wallet:
        entries[w.customer_id].append(w)
    pages = {p.customer_id: p for p in s.pages}
    reward_status = {r.id: r.status for r in s.rewards}
    customers = sorted(achievements.keys() | entries.keys() | pages.keys())
    result.checked = {"customers": len(customers), "pages": len(s.pages)}
    for customer in customers:
        page = pages.get(customer) or Page(customer)  # no page: it shows nothing
        _compare(
            result,
            customer,
            "achievement",
            held={
                a.id: (a.reward_id, reward_status.get(a.reward_id or ""))
                for a in achievements[customer]
            },
            shown={m.mission_id: (m.reward_id, m.reward_status) for m in page.missions},
            fields=("reward", "reward status"),
        )
        _compare(
            result,
            customer,
            "wallet entry",
            held={w.reward_id: (w.status, w.gift_id) for w in entries[customer]},
            shown={w.reward_id: (w.status, w.gift_id) for w in page.wallet},
            fields=("status", "gift"),
        )
    return result


def _compare(
    result: InvariantResult,
    customer: str,
    what: str,
    held: Entries,
    shown: Entries,
    fields: tuple[str, str],
) -> None:
    """One customer's entries as the owning services hold them against My Page's."""
    for key in sorted(held.keys() | shown.keys()):
        ids = {"customerId": customer, ("missionId" if what == "achievement" else "rewardId"): key}
        if key not in shown:
            result.add(
                Violation(
                    f"{what} missing from My Page",
                    f"{customer}'s My Page does not show {what} {key}",
                    ids,
                )
            )
        elif key not in held:
            result.add(
                Violation(
                    f"My Page shows an unknown {what}",
                    f"{customer}'s My Page shows {what} {key}, which the services do not "
                    f"hold for {customer}",
                    ids,
                )
            )
        elif held[key] != shown[key]:
            differ = [
                f"{name} {s!s} instead of {h!s}"
                for name, h, s in zip(fields, held[key], shown[key], strict=True)
                if h != s
            ]
            result.add(
                Violation(
                    f"{what} shown with another {fields[0]} or {fields[1]}",
                    f"{customer}'s My Page shows {what} {key} with " + ", ".join(differ),
                    ids,
                )
            )
