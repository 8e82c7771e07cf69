"""A gift of the catalogue and its stock: the one thing exchanges draw from.

Every change of `stock` goes through `_set_stock`, which refuses to go below zero and
records a `StockChanged`. `stocked_total` counts every item the gift ever received
(first stock and restocks) and never goes down, so invariant 4 can be checked at any
time: stocked_total == stock + exchanges made. An exchange takes one item on a row the
repository loaded `for_update`, in the same transaction as its exchange record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from questline.gift.domain.errors import InvalidGiftName, InvalidStock, OutOfStock
from questline.gift.domain.events import GiftEvent, GiftExchanged, StockChanged
from questline.gift.domain.exchange import Exchange

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
    stocked_total: int
    events: list[GiftEvent] = field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.name = self.name.strip()
        if not 1 <= len(self.name) <= MAX_NAME_LENGTH:
            raise InvalidGiftName()
        _check_stock(self.stock)
        if self.stocked_total < self.stock:
            raise InvalidStock(
                f"A gift cannot hold more ({self.stock}) than it ever received "
                f"({self.stocked_total})."
            )

    @classmethod
    def add_to_catalogue(cls, gift_id: str, name: str, stock: int, now: datetime) -> Gift:
        """A new gift; read models learn it (and its first stock) from the event."""
        gift = cls(gift_id, name, stock, now, stocked_total=stock)
        gift._record_stock()
        return gift

    def add_stock(self, quantity: int) -> None:
        """Restock: `quantity` more items, at least one."""
        if quantity < 1:
            raise InvalidStock(f"Add at least one item to the stock, not {quantity}.")
        _check_stock(self.stock + quantity)
        # The total first: the event recorded with the new stock carries both.
        self.stocked_total += quantity
        self._set_stock(self.stock + quantity)

    def exchange(
        self, exchange_id: str, reward_id: str, customer_id: str, now: datetime
    ) -> Exchange:
        """One item for a reward. The caller makes sure the reward has no exchange yet;
        the gift makes sure there is an item to give."""
        if self.stock < 1:
            raise OutOfStock(self.id)
        exchange = Exchange(exchange_id, reward_id, customer_id, self.id, self.stock - 1, now)
        self.events.append(
            GiftExchanged(
                exchange.id,
                exchange.reward_id,
                exchange.customer_id,
                exchange.gift_id,
                exchange.stock_left,
                exchange.exchanged_at,
            )
        )
        self._set_stock(exchange.stock_left)
        return exchange

    def _set_stock(self, stock: int) -> None:
        _check_stock(stock)
        self.stock = stock
        self._record_stock()

    def _record_stock(self) -> None:
        self.events.append(StockChanged(self.id, self.name, self.stock, self.stocked_total))


def _check_stock(stock: int) -> None:
    if stock < 0:
        raise InvalidStock(f"Stock cannot go below zero (it would be {stock}).")
    if stock > MAX_STOCK:
        raise InvalidStock(f"Stock cannot exceed {MAX_STOCK} (it would be {stock}).")
