"""Consumed events become facts for the projection: folds with the event's time, the
gift an exchange shows, and the names gift's catalogue announces."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from questline.contracts import events as contract
from questline.mypage.adapters.inbound.events import handlers
from questline.mypage.application.ports import KnownNames, Wanted
from questline.mypage.domain.view import MyPage
from questline.service_kit.envelope import IncomingEvent

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
CLOCK = T0 + timedelta(days=1)


class Pages:
    def __init__(self) -> None:
        self.saved: dict[str, MyPage] = {}
        self.wanted: Wanted = {}

    async def load(self, wanted: Wanted) -> Mapping[str, MyPage]:
        self.wanted = wanted
        return {c: self.saved[c] for c in wanted if c in self.saved}

    async def save(self, pages: Collection[MyPage]) -> None:
        self.saved.update({p.customer_id: p for p in pages})


class Names:
    def __init__(self) -> None:
        self.listed: list[Mapping[str, str]] = []

    async def settle(self, listed: Mapping[str, str], shown: Collection[str]) -> KnownNames:
        self.listed.append(dict(listed))
        return KnownNames(known={g: listed[g] for g in shown if g in listed}, named=listed)

    async def wait(self, waiting: Collection[tuple[str, str]]) -> None:
        pass

    async def stop_waiting(self, gift_ids: Collection[str]) -> list[tuple[str, str]]:
        return []


def incoming(n: int, data: contract.EventData, at: datetime | None) -> IncomingEvent:
    return IncomingEvent(f"e{n}", data.TYPE, "/test", at, None, None, data, data.TOPIC, 0, n)


async def apply(*events: IncomingEvent) -> tuple[Pages, Names]:
    pages, names = Pages(), Names()
    table = handlers(lambda _c: pages, lambda _c: names, lambda: CLOCK)
    handler: Any = table[contract.GiftCatalogued]
    assert set(table.values()) == {handler}  # one handler: one load and save per batch
    await handler(None, list(events))
    return pages, names


async def test_gift_catalogue_entries_are_listed_by_name_the_latest_winning() -> None:
    entry = contract.GiftCatalogued(gift_id="g-1", name="Old", stock=2, stocked_total=3)
    renamed = entry.model_copy(update={"name": "Sword", "stock": 1})

    pages, names = await apply(incoming(1, entry, T0), incoming(2, renamed, T0))

    assert names.listed == [{"g-1": "Sword"}]
    assert pages.saved == {}  # a catalogue entry alone is on nobody's page


async def test_an_exchange_shows_its_gift_by_name_and_dates_the_page_by_its_event() -> None:
    deposited = contract.RewardDeposited(
        customer_id="alice", reward_id="r-1", mission_id="m-1", points=5, deposited_at=T0
    )
    exchanged = contract.RewardExchanged(
        customer_id="alice", reward_id="r-1", gift_id="g-1", exchange_id="x-1", exchanged_at=T0
    )
    entry = contract.GiftCatalogued(gift_id="g-1", name="Sword", stock=2, stocked_total=3)

    pages, _names = await apply(
        incoming(1, deposited, T0 + timedelta(minutes=1)),
        incoming(2, exchanged, T0 + timedelta(minutes=2)),
        incoming(3, entry, T0 + timedelta(minutes=3)),
    )

    page = pages.saved["alice"]
    assert [w["gift_name"] for w in page.visible_wallet()] == ["Sword"]
    assert page.updated_at == T0 + timedelta(minutes=2)


async def test_an_event_without_a_time_dates_the_page_by_the_clock() -> None:
    deposited = contract.RewardDeposited(
        customer_id="alice", reward_id="r-1", mission_id="m-1", points=5, deposited_at=T0
    )

    pages, _names = await apply(incoming(1, deposited, None))

    assert pages.saved["alice"].updated_at == CLOCK


async def test_each_event_asks_for_the_one_entry_it_folds_into_and_an_exchange_for_the_page() -> (
    None
):
    achieved = contract.MissionAchieved(
        mission_id="m-1", customer_id="alice", mission_code="win", points=5, achieved_at=T0
    )
    linked = contract.MissionRewardLinked(mission_id="m-2", customer_id="alice", reward_id="r-2")
    issued = contract.RewardIssued(
        reward_id="r-1", customer_id="alice", mission_id="m-1", points=5, issued_at=T0
    )
    deposited = contract.RewardDeposited(
        customer_id="bob", reward_id="r-3", mission_id="m-3", points=5, deposited_at=T0
    )
    exchanged = contract.RewardExchanged(
        customer_id="carol", reward_id="r-4", gift_id="g-1", exchange_id="x-1", exchanged_at=T0
    )

    pages, _names = await apply(
        *(
            incoming(n, e, T0)
            for n, e in enumerate([achieved, linked, issued, deposited, exchanged])
        )
    )

    assert pages.wanted == {
        "alice": {("missions", "m-1"), ("missions", "m-2"), ("rewards", "r-1")},
        "bob": {("wallet", "r-3")},
        "carol": None,
    }
