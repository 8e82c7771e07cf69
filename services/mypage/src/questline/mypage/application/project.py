"""Projection: fold a batch of facts into the customers' views, one read and one write
per batch (not per event): the read model's cost is dominated by round trips."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from questline.mypage.application.ports import MyPageReader, MyPageStore
from questline.mypage.domain.view import MyPage

Fold = Callable[[MyPage], None]


@dataclass(frozen=True, slots=True)
class Fact:
    """One event, already turned into the fold it implies for one customer."""

    customer_id: str
    fold: Fold


async def project(facts: Sequence[Fact], store: MyPageStore, now: datetime) -> int:
    if not facts:
        return 0
    customers = {f.customer_id for f in facts}
    pages = dict(await store.load(customers))
    for fact in facts:
        page = pages.setdefault(fact.customer_id, MyPage(fact.customer_id))
        fact.fold(page)
        page.touched(now)
    await store.save([pages[c] for c in customers])
    return len(customers)


async def my_page(customer_id: str, pages: MyPageReader) -> MyPage:
    """A customer with no activity yet has an empty page, not a missing one."""
    return await pages.get(customer_id) or MyPage(customer_id)
