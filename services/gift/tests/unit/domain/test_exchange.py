"""Gift.exchange: one item for one reward, never below zero, announced twice (the
exchange for the customer's story, the stock for the catalogue)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from questline.gift.domain.errors import OutOfStock
from questline.gift.domain.events import GiftExchanged, StockChanged
from questline.gift.domain.exchange import Exchange
from questline.gift.domain.gift import Gift

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
LATER = datetime(2025, 5, 2, 9, 30, tzinfo=UTC)


def a_gift(stock: int) -> Gift:
    gift = Gift.add_to_catalogue("gift-1", "Golden mount", stock, NOW)
    gift.events.clear()
    return gift


def test_an_exchange_takes_one_item_and_records_the_stock_left() -> None:
    gift = a_gift(stock=3)

    exchange = gift.exchange("x-1", "reward-1", "alice", LATER)

    assert exchange == Exchange("x-1", "reward-1", "alice", "gift-1", 2, LATER)
    assert gift.stock == 2


def test_an_exchange_announces_the_exchange_and_the_new_stock() -> None:
    gift = a_gift(stock=3)

    gift.exchange("x-1", "reward-1", "alice", LATER)

    assert gift.events == [
        GiftExchanged("x-1", "reward-1", "alice", "gift-1", 2, LATER),
        StockChanged("gift-1", "Golden mount", 2, 3),
    ]


def test_an_exchange_leaves_the_stock_ever_received_as_it_was() -> None:
    gift = a_gift(stock=3)
    gift.add_stock(2)

    gift.exchange("x-1", "reward-1", "alice", LATER)
    gift.exchange("x-2", "reward-2", "bob", LATER)

    assert (gift.stocked_total, gift.stock) == (5, 3)  # 5 received = 3 left + 2 exchanged


def test_the_last_item_can_be_exchanged() -> None:
    gift = a_gift(stock=1)

    assert gift.exchange("x-1", "reward-1", "alice", LATER).stock_left == 0
    assert gift.stock == 0


def test_a_gift_with_no_stock_left_refuses_an_exchange_and_changes_nothing() -> None:
    gift = a_gift(stock=0)

    with pytest.raises(OutOfStock) as refused:
        gift.exchange("x-1", "reward-1", "alice", LATER)

    assert refused.value.gift_id == "gift-1"
    assert (gift.stock, gift.stocked_total) == (0, 0)
    assert gift.events == []


def test_exchanges_stop_exactly_when_the_stock_runs_out() -> None:
    gift = a_gift(stock=2)
    gift.exchange("x-1", "reward-1", "alice", LATER)
    gift.exchange("x-2", "reward-2", "bob", LATER)

    with pytest.raises(OutOfStock):
        gift.exchange("x-3", "reward-3", "carol", LATER)

    assert gift.stock == 0
    assert [type(e) for e in gift.events].count(GiftExchanged) == 2
