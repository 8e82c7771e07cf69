"""Catalogue use cases against an in-memory unit of work: one transaction each, and the
events leave only when it commits."""

from __future__ import annotations

from typing import Any

import pytest

from questline.gift.application import queries
from questline.gift.application.catalogue import AddGift, AddStock, add_gift, add_stock
from questline.gift.application.exchange_gift import ExchangeGift, exchange_gift
from questline.gift.application.ports import GiftView
from questline.gift.domain.errors import GiftNotFound, InvalidStock
from questline.gift.domain.events import StockChanged


async def test_adding_a_gift_stores_it_and_publishes_its_stock(
    uow: Any, clock: Any, new_id: Any
) -> None:
    added = await add_gift(AddGift("Golden mount", 5), uow, clock, new_id)

    assert added == GiftView(added.gift, exchanged_count=0)
    assert await queries.get_gift("id-1", uow) == added
    assert (added.gift.stock, added.gift.stocked_total) == (5, 5)
    assert uow.published == [StockChanged("id-1", "Golden mount", 5, 5)]


async def test_restocking_a_gift_publishes_the_stock_left_now(
    uow: Any, clock: Any, new_id: Any
) -> None:
    await add_gift(AddGift("Golden mount", 5), uow, clock, new_id)

    restocked = await add_stock(AddStock("id-1", 10), uow)

    assert (restocked.gift.stock, restocked.gift.stocked_total) == (15, 15)
    assert (await queries.get_gift("id-1", uow)).gift.stock == 15
    assert uow.published[-1] == StockChanged("id-1", "Golden mount", 15, 15)


async def test_a_restock_answers_with_the_exchanges_made_so_far(
    uow: Any, clock: Any, new_id: Any
) -> None:
    await add_gift(AddGift("Golden mount", 5), uow, clock, new_id)
    await exchange_gift(ExchangeGift("reward-1", "alice", "id-1"), uow, clock, new_id)

    restocked = await add_stock(AddStock("id-1", 10), uow)

    assert (restocked.gift.stocked_total, restocked.gift.stock) == (15, 14)
    assert restocked.exchanged_count == 1


async def test_restocking_an_unknown_gift_is_refused(uow: Any) -> None:
    with pytest.raises(GiftNotFound):
        await add_stock(AddStock("no-such-gift", 1), uow)
    assert uow.published == []


async def test_a_refused_restock_publishes_nothing_and_keeps_the_stock(
    uow: Any, clock: Any, new_id: Any
) -> None:
    await add_gift(AddGift("Golden mount", 5), uow, clock, new_id)
    uow.published.clear()

    with pytest.raises(InvalidStock):
        await add_stock(AddStock("id-1", 0), uow)

    assert (await queries.get_gift("id-1", uow)).gift.stock == 5
    assert uow.published == []


async def test_the_catalogue_is_listed_by_name(uow: Any, clock: Any, new_id: Any) -> None:
    for name in ["Limited hero skin", "Golden mount", "Health potion pack"]:
        await add_gift(AddGift(name, 1), uow, clock, new_id)

    names = [v.gift.name for v in await queries.list_gifts(uow)]

    assert names == ["Golden mount", "Health potion pack", "Limited hero skin"]


async def test_reading_an_unknown_gift_is_refused(uow: Any) -> None:
    with pytest.raises(GiftNotFound):
        await queries.get_gift("no-such-gift", uow)
