"""A gift of the catalogue and its stock: the one thing exchanges draw from.

Every change of `stock` goes through `_set_stock`, which refuses to go below zero and
records a `StockChanged`. The exchange step takes one item the same way, in the same
transaction as its exchange record, on a row the repository loaded `for_update`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from questline.gift.domain.errors import InvalidGiftName, InvalidStock
from questline.gift.domain.events import GiftEvent, StockChanged

MAX_NAME_LENGTH = 200
# Far above any real catalogue, and far below the 32-bit column: repeated restocks
# are refused here with a clear reason instead of overflowing in the database.
MAX_STOCK = 1_000_000_000


@dataclass
class Gift:
    id: str
    name: str
    stock: int
    created_at: datetime
    events: list[GiftEvent] = field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.name = self.name.strip()
        if not 1 <= len(self.name) <= MAX_NAME_LENGTH:
            raise InvalidGiftName()
        _check_stock(self.stock)

    @classmethod
    def add_to_catalogue(cls, gift_id: str, name: str, stock: int, now: datetime) -> Gift:
        """A new gift; read models learn it (and its first stock) from the event."""
        gift = cls(gift_id, name, stock, now)
        gift._record_stock()
        return gift

    def add_stock(self, quantity: int) -> None:
        """Restock: `quantity` more items, at least one."""
        if quantity < 1:
            raise InvalidStock(f"Add at least one item to the stock, not {quantity}.")
        self._set_stock(self.stock + quantity)

    def _set_stock(self, stock: int) -> None:
        _check_stock(stock)
        self.stock = stock
        self._record_stock()

    def _record_stock(self) -> None:
        self.events.append(StockChanged(self.id, self.name, self.stock))


def _check_stock(stock: int) -> None:
    if stock < 0:
        raise InvalidStock(f"Stock cannot go below zero (it would be {stock}).")
    if stock > MAX_STOCK:
        raise InvalidStock(f"Stock cannot exceed {MAX_STOCK} (it would be {stock}).")
