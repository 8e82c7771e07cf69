"""Command from wallet: one gift item per reward, at most once, whatever is retried."""

from __future__ import annotations

from typing import Any

import pytest

from questline.gift.application import queries
from questline.gift.application.catalogue import AddGift, add_gift
from questline.gift.application.exchange_gift import ExchangeGift, exchange_gift
from questline.gift.domain.errors import GiftNotFound, OutOfStock
from questline.gift.domain.events import GiftExchanged, StockChanged
from questline.gift.domain.exchange import Exchange


async def a_gift(uow: Any, clock: Any, new_id: Any, stock: int = 5) -> str:
    view = (await add_gift(AddGift("Golden mount", stock), uow, clock, new_id)).view
    uow.published.clear()
    return view.gift.id


async def test_an_exchange_takes_one_item_records_it_and_publishes_both_facts(
    uow: Any, clock: Any, new_id: Any
) -> None:
    gift_id = await a_gift(uow, clock, new_id, stock=5)

    result = await exchange_gift(ExchangeGift("reward-1", "alice", gift_id), uow, clock, new_id)

    expected = Exchange("id-2", "reward-1", "alice", gift_id, 4, clock())
    assert (result.exchange, result.replayed) == (expected, False)
    assert uow.exchanges.rows == {"id-2": expected}
    assert (await queries.get_gift(gift_id, uow)).gift.stock == 4
    assert uow.published == [
        GiftExchanged("id-2", "reward-1", "alice", gift_id, 4, clock()),
        StockChanged(gift_id, "Golden mount", 4, 5),
    ]


async def test_an_exchange_holds_the_rewards_lock_before_it_looks(
    uow: Any, clock: Any, new_id: Any
) -> None:
    gift_id = await a_gift(uow, clock, new_id)

    await exchange_gift(ExchangeGift("reward-1", "alice", gift_id), uow, clock, new_id)

    assert uow.exchanges.locked_rewards == ["reward-1"]


async def test_a_second_exchange_of_the_same_reward_returns_the_first_and_publishes_nothing(
    uow: Any, clock: Any, new_id: Any
) -> None:
    gift_id = await a_gift(uow, clock, new_id, stock=5)
    first = await exchange_gift(ExchangeGift("reward-1", "alice", gift_id), uow, clock, new_id)
    uow.published.clear()

    again = await exchange_gift(ExchangeGift("reward-1", "alice", gift_id), uow, clock, new_id)

    assert (again.exchange, again.replayed) == (first.exchange, True)
    assert list(uow.exchanges.rows) == [first.exchange.id]
    assert (await queries.get_gift(gift_id, uow)).gift.stock == 4
    assert uow.published == []


async def test_a_reward_exchanged_already_takes_no_other_gift(
    uow: Any, clock: Any, new_id: Any
) -> None:
    mount = await a_gift(uow, clock, new_id, stock=5)
    skin = await a_gift(uow, clock, new_id, stock=5)
    first = await exchange_gift(ExchangeGift("reward-1", "alice", mount), uow, clock, new_id)
    uow.published.clear()

    again = await exchange_gift(ExchangeGift("reward-1", "alice", skin), uow, clock, new_id)

    assert (again.exchange, again.replayed) == (first.exchange, True)
    assert again.exchange.gift_id == mount
    assert (await queries.get_gift(skin, uow)).gift.stock == 5
    assert uow.published == []


async def test_a_reward_exchanged_already_is_answered_even_once_its_gift_ran_out(
    uow: Any, clock: Any, new_id: Any
) -> None:
    gift_id = await a_gift(uow, clock, new_id, stock=1)
    first = await exchange_gift(ExchangeGift("reward-1", "alice", gift_id), uow, clock, new_id)

    again = await exchange_gift(ExchangeGift("reward-1", "alice", gift_id), uow, clock, new_id)

    assert (again.exchange, again.replayed) == (first.exchange, True)


async def test_an_exchange_of_an_unknown_gift_is_refused_and_writes_nothing(
    uow: Any, clock: Any, new_id: Any
) -> None:
    with pytest.raises(GiftNotFound):
        await exchange_gift(ExchangeGift("reward-1", "alice", "no-such"), uow, clock, new_id)

    assert uow.exchanges.rows == {}
    assert uow.published == []


async def test_an_exchange_of_a_gift_out_of_stock_is_refused_and_writes_nothing(
    uow: Any, clock: Any, new_id: Any
) -> None:
    gift_id = await a_gift(uow, clock, new_id, stock=0)

    with pytest.raises(OutOfStock):
        await exchange_gift(ExchangeGift("reward-1", "alice", gift_id), uow, clock, new_id)

    assert uow.exchanges.rows == {}
    assert uow.published == []


async def test_a_refused_reward_may_be_exchanged_later_for_a_gift_in_stock(
    uow: Any, clock: Any, new_id: Any
) -> None:
    empty = await a_gift(uow, clock, new_id, stock=0)
    full = await a_gift(uow, clock, new_id, stock=1)
    with pytest.raises(OutOfStock):
        await exchange_gift(ExchangeGift("reward-1", "alice", empty), uow, clock, new_id)

    result = await exchange_gift(ExchangeGift("reward-1", "alice", full), uow, clock, new_id)

    assert (result.exchange.gift_id, result.replayed) == (full, False)


async def test_every_exchange_keeps_stocked_total_equal_to_stock_plus_exchanges(
    uow: Any, clock: Any, new_id: Any
) -> None:
    gift_id = await a_gift(uow, clock, new_id, stock=3)
    for n in range(5):
        try:
            await exchange_gift(ExchangeGift(f"reward-{n}", "alice", gift_id), uow, clock, new_id)
        except OutOfStock:
            pass

    view = await queries.get_gift(gift_id, uow)

    assert (view.gift.stocked_total, view.gift.stock, view.exchanged_count) == (3, 0, 3)
