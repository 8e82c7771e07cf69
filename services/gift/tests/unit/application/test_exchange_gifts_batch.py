"""Concurrent exchanges in one transaction (group commit): each request keeps its own
outcome and its own cause, the locks are taken once and in one order, and the stock
is drawn one item at a time exactly as if the requests had come one by one."""

from __future__ import annotations

from typing import Any

from questline.gift.application import queries
from questline.gift.application.catalogue import AddGift, add_gift
from questline.gift.application.exchange_gift import (
    ExchangeGift,
    ExchangeRecorded,
    exchange_gift,
    exchange_gifts,
)
from questline.gift.domain.errors import GiftNotFound, OutOfStock
from questline.gift.domain.events import GiftExchanged, StockChanged


async def a_gift(uow: Any, clock: Any, new_id: Any, stock: int) -> str:
    view = (await add_gift(AddGift("Golden mount", stock), uow, clock, new_id)).view
    uow.published.clear()
    uow.causes.clear()
    uow.locks.clear()
    uow.transactions = 0
    return view.gift.id


def request(reward_id: str, gift_id: str, cause: str | None = None) -> Any:
    return (ExchangeGift(reward_id, "alice", gift_id), cause or f"req-{reward_id}")


async def test_a_batch_takes_one_item_per_request_in_arrival_order_in_one_transaction(
    uow: Any, clock: Any, new_id: Any
) -> None:
    gift_id = await a_gift(uow, clock, new_id, stock=5)

    outcomes = await exchange_gifts(
        [request(f"r-{n}", gift_id) for n in range(3)], uow, clock, new_id
    )

    assert [(o.exchange.reward_id, o.exchange.stock_left, o.replayed) for o in outcomes] == [
        ("r-0", 4, False),
        ("r-1", 3, False),
        ("r-2", 2, False),
    ]
    assert uow.transactions == 1
    view = await queries.get_gift(gift_id, uow)
    assert (view.gift.stock, view.gift.stocked_total, view.exchanged_count) == (2, 5, 3)


async def test_when_the_stock_runs_out_mid_batch_only_the_later_requests_are_refused(
    uow: Any, clock: Any, new_id: Any
) -> None:
    gift_id = await a_gift(uow, clock, new_id, stock=2)

    outcomes = await exchange_gifts(
        [request(f"r-{n}", gift_id) for n in range(4)], uow, clock, new_id
    )

    assert [type(o) for o in outcomes] == [
        ExchangeRecorded,
        ExchangeRecorded,
        OutOfStock,
        OutOfStock,
    ]
    assert {x.reward_id for x in uow.exchanges.rows.values()} == {"r-0", "r-1"}
    assert (await queries.get_gift(gift_id, uow)).gift.stock == 0


async def test_an_unknown_gift_in_a_batch_refuses_only_its_own_request(
    uow: Any, clock: Any, new_id: Any
) -> None:
    gift_id = await a_gift(uow, clock, new_id, stock=5)

    outcomes = await exchange_gifts(
        [request("r-0", gift_id), request("r-1", "no-such-gift"), request("r-2", gift_id)],
        uow,
        clock,
        new_id,
    )

    assert isinstance(outcomes[1], GiftNotFound)
    assert [o.exchange.stock_left for o in (outcomes[0], outcomes[2])] == [4, 3]


async def test_the_same_reward_twice_in_a_batch_takes_one_item_and_replays_the_first(
    uow: Any, clock: Any, new_id: Any
) -> None:
    gift_id = await a_gift(uow, clock, new_id, stock=5)

    first, again = await exchange_gifts(
        [request("r-0", gift_id, "req-a"), request("r-0", gift_id, "req-b")], uow, clock, new_id
    )

    assert (first.replayed, again.replayed) == (False, True)
    assert again.exchange == first.exchange
    assert list(uow.exchanges.rows) == [first.exchange.id]
    assert (await queries.get_gift(gift_id, uow)).gift.stock == 4


async def test_a_reward_exchanged_before_the_batch_is_replayed_and_locks_no_gift(
    uow: Any, clock: Any, new_id: Any
) -> None:
    gift_id = await a_gift(uow, clock, new_id, stock=5)
    earlier = await exchange_gift(ExchangeGift("r-0", "alice", gift_id), uow, clock, new_id)
    uow.locks.clear()

    [again] = await exchange_gifts([request("r-0", gift_id)], uow, clock, new_id)

    assert (again.exchange, again.replayed) == (earlier.exchange, True)
    assert uow.locks == ["reward:r-0"]


async def test_a_batch_locks_its_rewards_then_each_gift_once_in_id_order(
    uow: Any, clock: Any, new_id: Any
) -> None:
    first = await a_gift(uow, clock, new_id, stock=5)
    second = await a_gift(uow, clock, new_id, stock=5)

    await exchange_gifts(
        [request("r-b", second), request("r-a", first), request("r-c", second)],
        uow,
        clock,
        new_id,
    )

    assert uow.locks == [
        "reward:r-a",
        "reward:r-b",
        "reward:r-c",
        f"gift:{first}",
        f"gift:{second}",
    ]


async def test_each_requests_events_leave_with_that_requests_cause(
    uow: Any, clock: Any, new_id: Any
) -> None:
    gift_id = await a_gift(uow, clock, new_id, stock=5)

    a, b = await exchange_gifts(
        [request("r-0", gift_id, "req-a"), request("r-1", gift_id, "req-b")], uow, clock, new_id
    )

    assert list(zip(uow.published, uow.causes, strict=True)) == [
        (GiftExchanged(a.exchange.id, "r-0", "alice", gift_id, 4, clock()), "req-a"),
        (StockChanged(gift_id, "Golden mount", 4, 5), "req-a"),
        (GiftExchanged(b.exchange.id, "r-1", "alice", gift_id, 3, clock()), "req-b"),
        (StockChanged(gift_id, "Golden mount", 3, 5), "req-b"),
    ]


async def test_a_batch_of_refusals_only_writes_nothing(uow: Any, clock: Any, new_id: Any) -> None:
    gift_id = await a_gift(uow, clock, new_id, stock=0)

    outcomes = await exchange_gifts(
        [request("r-0", gift_id), request("r-1", "no-such-gift")], uow, clock, new_id
    )

    assert [type(o) for o in outcomes] == [OutOfStock, GiftNotFound]
    assert uow.exchanges.rows == {}
    assert uow.published == []
