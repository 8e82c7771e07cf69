"""Domain events of the gift context: immutable, named in the past tense."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StockChanged:
    """A gift joined the catalogue or its stock changed; carries the stock left now."""

    gift_id: str
    name: str
    stock: int


# One member today; the exchange step adds GiftExchanged here.
GiftEvent = StockChanged
