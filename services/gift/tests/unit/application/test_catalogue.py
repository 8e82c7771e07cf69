"""Catalogue use cases against an in-memory unit of work: one transaction each, the
events leave only when it commits, and an idempotency key makes a retry answer as the
first request did without a second effect."""

from __future__ import annotations

from typing import Any

import pytest

from questline.gift.application import queries
from questline.gift.application.catalogue import AddGift, AddStock, add_gift, add_stock
from questline.gift.application.exchange_gift import ExchangeGift, exchange_gift
from questline.gift.application.ports import GiftView
from questline.gift.domain.errors import GiftNotFound, IdempotencyKeyReused, InvalidStock
from questline.gift.domain.events import StockChanged


async def test_adding_a_gift_stores_it_and_publishes_its_stock(
    uow: Any, clock: Any, new_id: Any
) -> None:
    added = (await add_gift(AddGift("Golden mount", 5), uow, clock, new_id)).view

    assert added == GiftView(added.gift, exchanged_count=0)
    assert await queries.get_gift("id-1", uow) == added
    assert (added.gift.stock, added.gift.stocked_total) == (5, 5)
    assert uow.published == [StockChanged("id-1", "Golden mount", 5, 5)]


async def test_restocking_a_gift_publishes_the_stock_left_now(
    uow: Any, clock: Any, new_id: Any
) -> None:
    await add_gift(AddGift("Golden mount", 5), uow, clock, new_id)

    restocked = (await add_stock(AddStock("id-1", 10), uow)).view

    assert (restocked.gift.stock, restocked.gift.stocked_total) == (15, 15)
    assert (await queries.get_gift("id-1", uow)).gift.stock == 15
    assert uow.published[-1] == StockChanged("id-1", "Golden mount", 15, 15)


async def test_a_restock_answers_with_the_exchanges_made_so_far(
    uow: Any, clock: Any, new_id: Any
) -> None:
    await add_gift(AddGift("Golden mount", 5), uow, clock, new_id)
    await exchange_gift(ExchangeGift("reward-1", "alice", "id-1"), uow, clock, new_id)

    restocked = (await add_stock(AddStock("id-1", 10), uow)).view

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


async def test_a_gift_added_again_with_its_key_is_the_first_gift_and_no_second_one(
    uow: Any, clock: Any, new_id: Any
) -> None:
    first = await add_gift(AddGift("Golden mount", 5, "key-1"), uow, clock, new_id)

    again = await add_gift(AddGift("Golden mount", 5, "key-1"), uow, clock, new_id)

    assert (first.replayed, again.replayed) == (False, True)
    assert again.view == first.view
    assert [v.gift.id for v in await queries.list_gifts(uow)] == [first.view.gift.id]
    assert uow.published == [StockChanged("id-1", "Golden mount", 5, 5)]


async def test_a_replayed_answer_is_the_first_one_even_after_the_gift_changed(
    uow: Any, clock: Any, new_id: Any
) -> None:
    first = await add_gift(AddGift("Golden mount", 5, "key-1"), uow, clock, new_id)
    await add_stock(AddStock("id-1", 10), uow)

    again = await add_gift(AddGift("Golden mount", 5, "key-1"), uow, clock, new_id)

    assert again.view == first.view
    assert again.view.gift.stock == 5


async def test_a_key_sent_with_another_gift_is_refused_and_adds_nothing(
    uow: Any, clock: Any, new_id: Any
) -> None:
    await add_gift(AddGift("Golden mount", 5, "key-1"), uow, clock, new_id)

    with pytest.raises(IdempotencyKeyReused):
        await add_gift(AddGift("Silver mount", 5, "key-1"), uow, clock, new_id)

    assert [v.gift.name for v in await queries.list_gifts(uow)] == ["Golden mount"]
    assert len(uow.published) == 1


async def test_without_a_key_the_same_gift_added_twice_is_two_gifts(
    uow: Any, clock: Any, new_id: Any
) -> None:
    await add_gift(AddGift("Golden mount", 5), uow, clock, new_id)
    await add_gift(AddGift("Golden mount", 5), uow, clock, new_id)

    assert len(await queries.list_gifts(uow)) == 2
    assert uow.idempotency_keys.rows == {}


async def test_a_restock_sent_again_with_its_key_adds_the_stock_once(
    uow: Any, clock: Any, new_id: Any
) -> None:
    await add_gift(AddGift("Golden mount", 5), uow, clock, new_id)
    first = await add_stock(AddStock("id-1", 10, "restock-1"), uow)

    again = await add_stock(AddStock("id-1", 10, "restock-1"), uow)

    assert (first.replayed, again.replayed) == (False, True)
    assert again.view == first.view
    assert (await queries.get_gift("id-1", uow)).gift.stock == 15
    assert uow.published[-1] == StockChanged("id-1", "Golden mount", 15, 15)
    assert len(uow.published) == 2


async def test_a_restock_key_sent_with_another_quantity_or_gift_is_refused(
    uow: Any, clock: Any, new_id: Any
) -> None:
    await add_gift(AddGift("Golden mount", 5), uow, clock, new_id)
    await add_gift(AddGift("Silver mount", 5), uow, clock, new_id)
    await add_stock(AddStock("id-1", 10, "restock-1"), uow)

    with pytest.raises(IdempotencyKeyReused):
        await add_stock(AddStock("id-1", 11, "restock-1"), uow)
    with pytest.raises(IdempotencyKeyReused):
        await add_stock(AddStock("id-2", 10, "restock-1"), uow)

    stocks = {v.gift.id: v.gift.stock for v in await queries.list_gifts(uow)}
    assert stocks == {"id-1": 15, "id-2": 5}


async def test_a_key_that_added_a_gift_cannot_restock_one(
    uow: Any, clock: Any, new_id: Any
) -> None:
    await add_gift(AddGift("Golden mount", 5, "key-1"), uow, clock, new_id)

    with pytest.raises(IdempotencyKeyReused):
        await add_stock(AddStock("id-1", 5, "key-1"), uow)

    assert (await queries.get_gift("id-1", uow)).gift.stock == 5


async def test_a_refused_restock_leaves_its_key_free_for_a_retry(
    uow: Any, clock: Any, new_id: Any
) -> None:
    with pytest.raises(GiftNotFound):
        await add_stock(AddStock("id-1", 10, "restock-1"), uow)
    await add_gift(AddGift("Golden mount", 5), uow, clock, new_id)

    retried = await add_stock(AddStock("id-1", 10, "restock-1"), uow)

    assert (retried.replayed, retried.view.gift.stock) == (False, 15)
