"""Projection: fold a batch of facts into the customers' views, one read and one write
per batch (not per event): the read model's cost is dominated by round trips."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from questline.mypage.application.ports import (
    GiftNames,
    KnownNames,
    MyPageReader,
    MyPageStore,
    Wanted,
)
from questline.mypage.domain.view import EntryKey, MyPage

Fold = Callable[[MyPage], None]


@dataclass(frozen=True, slots=True)
class Fact:
    """One event, already turned into the fold it implies for one customer."""

    customer_id: str
    fold: Fold
    # When it happened (the event's time): the page's `updated_at` then depends on the
    # events only, so a rebuilt page equals the live one. None: the batch's clock.
    at: datetime | None = None
    # The gift the fold shows (an exchange), whose name the page should carry.
    gift_id: str | None = None
    # The one entry the fold touches; None: it may touch any (the whole page is loaded).
    entry: EntryKey | None = None


@dataclass(frozen=True, slots=True)
class GiftListed:
    """A gift's name as the catalogue announced it (the latest of the batch wins)."""

    gift_id: str
    name: str


async def project(
    facts: Sequence[Fact],
    store: MyPageStore,
    now: datetime,
    names: GiftNames | None = None,
    listed: Sequence[GiftListed] = (),
) -> int:
    """Returns how many pages were saved. Gift names are settled before the pages are
    locked: every batch takes its locks in that order (names, then pages by id)."""
    learned = await _settle_names(facts, listed, names)
    waiting_done: list[tuple[str, str]] = []
    if names is not None:
        waiting = {
            (f.gift_id, f.customer_id)
            for f in facts
            if f.gift_id is not None and f.gift_id not in learned.known
        }
        if waiting:
            await names.wait(waiting)
        if learned.named:
            waiting_done = list(await names.stop_waiting(learned.named))
    customers = {f.customer_id for f in facts}
    if not customers and not waiting_done:
        return 0
    pages = dict(await store.load(_wanted(facts, {c for _g, c in waiting_done})))
    for fact in facts:
        page = pages.setdefault(fact.customer_id, MyPage(fact.customer_id))
        fact.fold(page)
        page.touched(fact.at or now)
        if fact.gift_id is not None and (name := learned.known.get(fact.gift_id)):
            page.gift_named(fact.gift_id, name)
    for gift_id, customer_id in waiting_done:
        # Naming is no event of the customer's: it leaves `updated_at` as it was.
        waiting_page = pages.get(customer_id)
        if waiting_page is not None and waiting_page.updated_at is not None:
            waiting_page.gift_named(gift_id, learned.named[gift_id])
            customers.add(customer_id)
    await store.save([pages[c] for c in customers])
    return len(customers)


def _wanted(facts: Sequence[Fact], whole: set[str]) -> Wanted:
    """The entries the batch folds into, by customer; the whole page of customers with a
    fold that may touch any entry, or whose page is named a gift (`whole`)."""
    wanted: dict[str, set[EntryKey] | None] = dict.fromkeys(whole)
    for fact in facts:
        entries = wanted.setdefault(fact.customer_id, set())
        if fact.entry is None:
            wanted[fact.customer_id] = None
        elif entries is not None:
            entries.add(fact.entry)
    return wanted


async def _settle_names(
    facts: Sequence[Fact], listed: Sequence[GiftListed], names: GiftNames | None
) -> KnownNames:
    shown = {f.gift_id for f in facts if f.gift_id is not None}
    if names is None or not (shown or listed):
        return KnownNames()
    return await names.settle({g.gift_id: g.name for g in listed}, shown)


async def my_page(customer_id: str, pages: MyPageReader) -> MyPage:
    """A customer with no activity yet has an empty page, not a missing one."""
    return await pages.get(customer_id) or MyPage(customer_id)
