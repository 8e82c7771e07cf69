"""The Gift aggregate: a catalogue entry whose stock never goes below zero, and which
remembers every item it ever received."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from questline.gift.domain.errors import InvalidGiftName, InvalidStock
from questline.gift.domain.events import StockChanged
from questline.gift.domain.gift import MAX_STOCK, Gift

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def a_gift(stock: int = 10, name: str = "Golden mount") -> Gift:
    return Gift.add_to_catalogue("gift-1", name, stock, NOW)


def test_a_new_gift_announces_its_first_stock() -> None:
    gift = a_gift(stock=5)

    assert (gift.id, gift.name, gift.stock, gift.created_at) == ("gift-1", "Golden mount", 5, NOW)
    assert gift.events == [StockChanged("gift-1", "Golden mount", 5, 5)]


def test_a_new_gift_has_received_its_first_stock_in_total() -> None:
    assert a_gift(stock=5).stocked_total == 5


def test_a_gift_may_join_the_catalogue_with_no_stock_yet() -> None:
    assert a_gift(stock=0).events == [StockChanged("gift-1", "Golden mount", 0, 0)]


def test_a_gift_cannot_join_the_catalogue_with_a_negative_stock() -> None:
    with pytest.raises(InvalidStock):
        a_gift(stock=-1)


def test_a_gift_name_is_kept_without_surrounding_spaces() -> None:
    assert a_gift(name="  Golden mount \n").name == "Golden mount"


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_a_gift_needs_a_name_of_one_to_two_hundred_characters(name: str) -> None:
    with pytest.raises(InvalidGiftName):
        a_gift(name=name)


def test_adding_stock_raises_the_stock_and_announces_the_new_stock() -> None:
    gift = a_gift(stock=5)
    gift.events.clear()

    gift.add_stock(3)

    assert (gift.stock, gift.stocked_total) == (8, 8)
    assert gift.events == [StockChanged("gift-1", "Golden mount", 8, 8)]


@pytest.mark.parametrize("quantity", [0, -1])
def test_adding_less_than_one_item_is_refused_and_changes_nothing(quantity: int) -> None:
    gift = a_gift(stock=5)
    gift.events.clear()

    with pytest.raises(InvalidStock):
        gift.add_stock(quantity)

    assert (gift.stock, gift.stocked_total) == (5, 5)
    assert gift.events == []


def test_a_stock_beyond_the_catalogue_limit_is_refused_and_changes_nothing() -> None:
    gift = a_gift(stock=MAX_STOCK)
    gift.events.clear()

    with pytest.raises(InvalidStock):
        gift.add_stock(1)

    assert (gift.stock, gift.stocked_total) == (MAX_STOCK, MAX_STOCK)
    assert gift.events == []


def test_a_gift_loaded_from_storage_has_nothing_to_announce() -> None:
    assert Gift("gift-1", "Golden mount", 5, NOW, stocked_total=7).events == []


def test_a_gift_cannot_hold_more_than_it_ever_received() -> None:
    with pytest.raises(InvalidStock):
        Gift("gift-1", "Golden mount", 5, NOW, stocked_total=4)
