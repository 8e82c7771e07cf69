"""What the gift core needs from the outside world."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from questline.gift.domain.events import GiftEvent
from questline.gift.domain.gift import Gift


class GiftRepository(Protocol):
    async def get(self, gift_id: str, *, for_update: bool = False) -> Gift | None:
        """`for_update` locks the row until commit: concurrent stock changes queue up."""
        ...

    async def list(self) -> Sequence[Gift]:
        """The whole catalogue, ordered by name."""
        ...

    async def add(self, gift: Gift) -> None: ...
    async def save_stock(self, gift: Gift) -> None: ...


class UnitOfWork(Protocol):
    """One transaction; events published through it leave via the outbox on commit."""

    # Read-only, so an adapter may expose its own repository class here.
    @property
    def gifts(self) -> GiftRepository: ...

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
