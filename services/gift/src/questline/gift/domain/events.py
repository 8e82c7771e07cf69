"""Domain events of the gift context: immutable, named in the past tense."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class StockChanged:
    """A gift joined the catalogue or its stock changed: its catalogue entry as it
    stands now (the stock left, and every item it ever received)."""

    gift_id: str
    name: str
    stock: int
    stocked_total: int


@dataclass(frozen=True, slots=True)
class GiftExchanged:
    """One item of a gift went to a reward; `stock_left` is the stock right after it."""

    exchange_id: str
    reward_id: str
    customer_id: str
    gift_id: str
    stock_left: int
    exchanged_at: datetime


GiftEvent = StockChanged | GiftExchanged
