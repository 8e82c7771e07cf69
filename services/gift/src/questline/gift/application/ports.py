"""What the gift core needs from the outside world."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from questline.gift.domain.events import GiftEvent
from questline.gift.domain.exchange import Exchange
from questline.gift.domain.gift import Gift


@dataclass(frozen=True, slots=True)
class GiftView:
    """A gift as the catalogue shows it, with the count of its exchange records.

    The count is read from the records themselves, not kept on the gift, so that
    `stocked_total == stock + exchanged_count` (invariant 4) is a real check.
    """

    gift: Gift
    exchanged_count: int


class GiftRepository(Protocol):
    async def get(self, gift_id: str, *, for_update: bool = False) -> Gift | None:
        """`for_update` locks the row until commit: concurrent stock changes queue up."""
        ...

    async def view(self, gift_id: str) -> GiftView | None:
        """One gift and its exchange count, read at one instant."""
        ...

    async def views(self) -> Sequence[GiftView]:
        """The whole catalogue with exchange counts, ordered by name, read at one instant."""
        ...

    async def add(self, gift: Gift) -> None: ...

    async def save_stock(self, gift: Gift) -> None:
        """Stores `stock` and `stocked_total`."""
        ...


class ExchangeRepository(Protocol):
    async def for_reward(self, reward_id: str, *, for_update: bool = False) -> Exchange | None:
        """`for_update` serialises work on this reward until commit, even while it has
        no exchange yet: a concurrent exchange of the same reward waits here, then
        finds this one's record."""
        ...

    async def get(self, exchange_id: str) -> Exchange | None: ...

    async def find(
        self, *, customer_id: str | None, reward_id: str | None, limit: int
    ) -> Sequence[Exchange]:
        """Exchanges matching every filter given, newest first."""
        ...

    async def add(self, exchange: Exchange) -> None: ...


class UnitOfWork(Protocol):
    """One transaction; events published through it leave via the outbox on commit."""

    # Read-only, so an adapter may expose its own repository classes here.
    @property
    def gifts(self) -> GiftRepository: ...
    @property
    def exchanges(self) -> ExchangeRepository: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def publish(self, events: Sequence[GiftEvent]) -> None: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class IdGenerator(Protocol):
    def __call__(self) -> str: ...
