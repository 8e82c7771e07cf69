"""Catalogue use cases against an in-memory unit of work: one transaction each, and the
events leave only when it commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from types import TracebackType

import pytest

from questline.gift.application import queries
from questline.gift.application.catalogue import AddGift, AddStock, add_gift, add_stock
from questline.gift.domain.errors import GiftNotFound, InvalidStock
from questline.gift.domain.events import GiftEvent, StockChanged
from questline.gift.domain.gift import Gift

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


class FakeGiftRepository:
    def __init__(self) -> None:
        self.rows: dict[str, tuple[str, int, datetime]] = {}

    async def get(self, gift_id: str, *, for_update: bool = False) -> Gift | None:
        row = self.rows.get(gift_id)
        return Gift(gift_id, *row) if row else None

    async def list(self) -> Sequence[Gift]:
        gifts = [Gift(i, *row) for i, row in self.rows.items()]
        return sorted(gifts, key=lambda g: (g.name, g.id))

    async def add(self, gift: Gift) -> None:
        assert gift.id not in self.rows
        self.rows[gift.id] = (gift.name, gift.stock, gift.created_at)

    async def save_stock(self, gift: Gift) -> None:
        name, _, created_at = self.rows[gift.id]
        self.rows[gift.id] = (name, gift.stock, created_at)


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.gifts = FakeGiftRepository()
        self.published: list[GiftEvent] = []
        self._staged: list[GiftEvent] = []
        self._before: dict[str, tuple[str, int, datetime]] = {}

    async def __aenter__(self) -> FakeUnitOfWork:
        self._before = dict(self.gifts.rows)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.published += self._staged
        else:  # rolled back: neither the rows nor the events happened
            self.gifts.rows = self._before
        self._staged = []

    def publish(self, events: Sequence[GiftEvent]) -> None:
        self._staged.extend(events)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def fixed_id() -> str:
    return "gift-new"


async def test_adding_a_gift_stores_it_and_publishes_its_stock(uow: FakeUnitOfWork) -> None:
    gift = await add_gift(AddGift("Golden mount", 5), uow, lambda: NOW, fixed_id)

    assert await queries.get_gift("gift-new", uow) == gift
    assert uow.published == [StockChanged("gift-new", "Golden mount", 5)]


async def test_restocking_a_gift_publishes_the_stock_left_now(uow: FakeUnitOfWork) -> None:
    await add_gift(AddGift("Golden mount", 5), uow, lambda: NOW, fixed_id)

    gift = await add_stock(AddStock("gift-new", 10), uow)

    assert gift.stock == 15
    assert (await queries.get_gift("gift-new", uow)).stock == 15
    assert uow.published[-1] == StockChanged("gift-new", "Golden mount", 15)


async def test_restocking_an_unknown_gift_is_refused(uow: FakeUnitOfWork) -> None:
    with pytest.raises(GiftNotFound):
        await add_stock(AddStock("no-such-gift", 1), uow)
    assert uow.published == []


async def test_a_refused_restock_publishes_nothing_and_keeps_the_stock(
    uow: FakeUnitOfWork,
) -> None:
    await add_gift(AddGift("Golden mount", 5), uow, lambda: NOW, fixed_id)
    uow.published.clear()

    with pytest.raises(InvalidStock):
        await add_stock(AddStock("gift-new", 0), uow)

    assert (await queries.get_gift("gift-new", uow)).stock == 5
    assert uow.published == []


async def test_the_catalogue_is_listed_by_name(uow: FakeUnitOfWork) -> None:
    ids = iter(["g-1", "g-2", "g-3"])
    for name in ["Limited hero skin", "Golden mount", "Health potion pack"]:
        await add_gift(AddGift(name, 1), uow, lambda: NOW, lambda: next(ids))

    names = [g.name for g in await queries.list_gifts(uow)]

    assert names == ["Golden mount", "Health potion pack", "Limited hero skin"]


async def test_reading_an_unknown_gift_is_refused(uow: FakeUnitOfWork) -> None:
    with pytest.raises(GiftNotFound):
        await queries.get_gift("no-such-gift", uow)
