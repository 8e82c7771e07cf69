"""Domain events as they leave through the outbox: which contracts, with which fields."""

from __future__ import annotations

from questline.contracts import events as contract
from questline.gift.adapters.outbound.uow import to_contract
from questline.gift.domain.events import StockChanged


def test_a_stock_change_leaves_as_the_stock_change_and_the_whole_catalogue_entry() -> None:
    assert to_contract(StockChanged("gift-1", "Golden mount", 4, 9)) == [
        contract.GiftStockChanged(gift_id="gift-1", name="Golden mount", stock=4),
        contract.GiftCatalogued(gift_id="gift-1", name="Golden mount", stock=4, stocked_total=9),
    ]
