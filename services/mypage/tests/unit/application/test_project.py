"""Projection: a batch of facts costs one load and one save, whatever its size."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta

from questline.mypage.application.project import Fact, my_page, project
from questline.mypage.domain.view import MyPage

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)


class FakeMyPageStore:
    def __init__(self, *pages: MyPage) -> None:
        self.pages = {p.customer_id: p for p in pages}
        self.loads: list[set[str]] = []
        self.saves: list[list[str]] = []

    async def load(self, customer_ids: Collection[str]) -> Mapping[str, MyPage]:
        self.loads.append(set(customer_ids))
        return {c: self.pages[c] for c in customer_ids if c in self.pages}

    async def save(self, pages: Collection[MyPage]) -> None:
        self.saves.append(sorted(p.customer_id for p in pages))
        self.pages.update({p.customer_id: p for p in pages})

    async def get(self, customer_id: str) -> MyPage | None:
        return self.pages.get(customer_id)


def achieved(customer_id: str, mission_id: str) -> Fact:
    return Fact(customer_id, lambda p: p.mission_achieved(mission_id, "daily-login", None, 10, T0))


def deposited(customer_id: str, reward_id: str) -> Fact:
    return Fact(customer_id, lambda p: p.reward_deposited(reward_id, "ach-x", 10, T0))


async def test_a_batch_for_several_customers_is_one_load_and_one_save() -> None:
    store = FakeMyPageStore()
    facts = [achieved("alice", "ach-1"), achieved("bob", "ach-2"), deposited("alice", "rw-1")]

    assert await project(facts, store, NOW) == 2

    assert store.loads == [{"alice", "bob"}]
    assert store.saves == [["alice", "bob"]]


async def test_a_new_customer_gets_a_page_with_every_fact_of_the_batch() -> None:
    store = FakeMyPageStore()

    await project([achieved("alice", "ach-1"), deposited("alice", "rw-1")], store, NOW)

    page = await my_page("alice", store)
    assert [m["mission_id"] for m in page.visible_missions()] == ["ach-1"]
    assert [w["reward_id"] for w in page.visible_wallet()] == ["rw-1"]
    assert page.updated_at == NOW


async def test_an_existing_page_is_folded_further_not_replaced() -> None:
    known = MyPage("alice")
    known.mission_achieved("ach-0", "first-win", "Win your first match", 50, T0)
    store = FakeMyPageStore(known)

    await project([achieved("alice", "ach-1")], store, NOW)

    assert {m["mission_id"] for m in (await my_page("alice", store)).visible_missions()} == {
        "ach-0",
        "ach-1",
    }


async def test_an_empty_batch_touches_nothing() -> None:
    store = FakeMyPageStore()

    assert await project([], store, NOW) == 0

    assert (store.loads, store.saves) == ([], [])


async def test_a_customer_with_no_activity_gets_an_empty_page() -> None:
    page = await my_page("nobody", FakeMyPageStore())

    assert (page.customer_id, page.visible_missions(), page.visible_wallet()) == ("nobody", [], [])
    assert page.updated_at is None
