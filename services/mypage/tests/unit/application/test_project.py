"""Projection: a batch of facts costs one load and one save, whatever its size."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta

from questline.mypage.application.ports import KnownNames, Wanted
from questline.mypage.application.project import Fact, GiftListed, my_page, project
from questline.mypage.domain.view import MyPage

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)


class FakeMyPageStore:
    def __init__(self, *pages: MyPage) -> None:
        self.pages = {p.customer_id: p for p in pages}
        self.loads: list[Wanted] = []
        self.saves: list[list[str]] = []

    async def load(self, wanted: Wanted) -> Mapping[str, MyPage]:
        self.loads.append(wanted)
        return {c: self.pages[c] for c in wanted if c in self.pages}

    async def save(self, pages: Collection[MyPage]) -> None:
        self.saves.append(sorted(p.customer_id for p in pages))
        self.pages.update({p.customer_id: p for p in pages})

    async def get(self, customer_id: str) -> MyPage | None:
        return self.pages.get(customer_id)


class FakeGiftNames:
    """The name table as the store keeps it: names, and the pages waiting for one."""

    def __init__(self, **names: str) -> None:
        self.names = dict(names)
        self.waiting: set[tuple[str, str]] = set()

    async def settle(self, listed: Mapping[str, str], shown: Collection[str]) -> KnownNames:
        named = {g: n for g, n in listed.items() if self.names.get(g) != n}
        self.names.update(listed)
        return KnownNames(known={g: self.names[g] for g in shown if g in self.names}, named=named)

    async def wait(self, waiting: Collection[tuple[str, str]]) -> None:
        self.waiting |= set(waiting)

    async def stop_waiting(self, gift_ids: Collection[str]) -> list[tuple[str, str]]:
        done = sorted(w for w in self.waiting if w[0] in gift_ids)
        self.waiting -= set(done)
        return done


def achieved(customer_id: str, mission_id: str) -> Fact:
    return Fact(
        customer_id,
        lambda p: p.mission_achieved(mission_id, "daily-login", None, 10, T0),
        entry=("missions", mission_id),
    )


def deposited(customer_id: str, reward_id: str) -> Fact:
    return Fact(
        customer_id,
        lambda p: p.reward_deposited(reward_id, "ach-x", 10, T0),
        entry=("wallet", reward_id),
    )


async def test_a_batch_for_several_customers_is_one_load_and_one_save() -> None:
    store = FakeMyPageStore()
    facts = [achieved("alice", "ach-1"), achieved("bob", "ach-2"), deposited("alice", "rw-1")]

    assert await project(facts, store, NOW) == 2

    assert store.loads == [
        {"alice": {("missions", "ach-1"), ("wallet", "rw-1")}, "bob": {("missions", "ach-2")}}
    ]
    assert store.saves == [["alice", "bob"]]


async def test_a_fold_that_may_touch_any_entry_loads_the_whole_page() -> None:
    store = FakeMyPageStore()
    anywhere = Fact("alice", lambda p: p.gift_named("gift-potion", "Potion pack"))

    await project([achieved("alice", "ach-1"), anywhere, achieved("bob", "ach-2")], store, NOW)

    assert store.loads == [{"alice": None, "bob": {("missions", "ach-2")}}]


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


def exchanged(customer_id: str, reward_id: str, gift_id: str) -> list[Fact]:
    """A deposit and its exchange, as the wallet's two events fold them."""
    return [
        deposited(customer_id, reward_id),
        Fact(
            customer_id,
            lambda p: p.reward_exchanged(reward_id, gift_id, f"ex-{reward_id}", T0),
            at=T0 + timedelta(minutes=5),
            gift_id=gift_id,
        ),
    ]


def gift_names_of(page: MyPage) -> dict[str, str | None]:
    return {w["reward_id"]: w["gift_name"] for w in page.visible_wallet()}


async def test_an_exchange_of_a_known_gift_shows_its_name() -> None:
    store, names = FakeMyPageStore(), FakeGiftNames(**{"gift-potion": "Health potion pack"})

    await project(exchanged("alice", "rw-1", "gift-potion"), store, NOW, names)

    assert gift_names_of(await my_page("alice", store)) == {"rw-1": "Health potion pack"}
    assert names.waiting == set()


async def test_an_exchange_before_its_gifts_name_shows_none_then_the_name_once_listed() -> None:
    store, names = FakeMyPageStore(), FakeGiftNames()
    await project(exchanged("alice", "rw-1", "gift-potion"), store, NOW, names)
    assert gift_names_of(await my_page("alice", store)) == {"rw-1": None}
    assert names.waiting == {("gift-potion", "alice")}

    saved = await project(
        [], store, NOW + timedelta(hours=1), names, [GiftListed("gift-potion", "Potion")]
    )

    page = await my_page("alice", store)
    assert saved == 1
    assert gift_names_of(page) == {"rw-1": "Potion"}
    assert page.updated_at == NOW  # naming is no event of alice's: not at NOW + 1 h
    assert names.waiting == set()


async def test_a_gift_listed_in_the_same_batch_names_its_exchange_at_once() -> None:
    store, names = FakeMyPageStore(), FakeGiftNames()

    await project(
        exchanged("alice", "rw-1", "gift-potion"),
        store,
        NOW,
        names,
        [GiftListed("gift-potion", "Old name"), GiftListed("gift-potion", "Potion")],
    )

    assert gift_names_of(await my_page("alice", store)) == {"rw-1": "Potion"}
    assert names.waiting == set()


async def test_a_stock_change_of_a_known_gift_saves_no_page() -> None:
    store, names = FakeMyPageStore(), FakeGiftNames(**{"gift-potion": "Potion"})

    assert await project([], store, NOW, names, [GiftListed("gift-potion", "Potion")]) == 0

    assert (store.loads, store.saves) == ([], [])


async def test_a_page_changes_at_the_time_of_its_latest_event_whatever_the_order() -> None:
    store = FakeMyPageStore()
    late = Fact("alice", lambda p: p.reward_marked_exchanged("rw-1"), at=T0 + timedelta(hours=2))
    early = Fact("alice", lambda p: p.reward_marked_exchanged("rw-1"), at=T0)

    await project([late, early], store, NOW)

    assert (await my_page("alice", store)).updated_at == T0 + timedelta(hours=2)
