"""What the wallet core needs from the outside world."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from questline.wallet.domain.events import WalletEvent
from questline.wallet.domain.wallet import WalletReward


class WalletReader(Protocol):
    """The entries a query reads."""

    async def for_customer(self, customer_id: str) -> Sequence[WalletReward]: ...

    async def get(self, reward_id: str) -> WalletReward | None: ...


class WalletRepository(WalletReader, Protocol):
    async def add_many(self, entries: Sequence[WalletReward]) -> set[str]:
        """Insert the entries not in a wallet yet; the reward ids inserted."""
        ...

    async def lock_many(self, reward_ids: Collection[str]) -> dict[str, WalletReward]:
        """The entries of these rewards (those in a wallet), by reward id, locked until
        the unit of work ends; locked in reward id order, so two units of work that want
        the same entries wait for each other in one order, never in a circle."""
        ...

    async def save_many(self, entries: Sequence[WalletReward]) -> None:
        """Write the status and exchange of each entry, in one statement."""
        ...


class ReadUnitOfWork(Protocol):
    """What a query needs: entries to read, nothing to write or publish."""

    @property
    def wallet(self) -> WalletReader: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWork(ReadUnitOfWork, Protocol):
    @property
    def wallet(self) -> WalletRepository: ...

    def publish(self, events: Sequence[WalletEvent], causation_id: str | None = None) -> None:
        """Stage events for the outbox; `causation_id` overrides the unit's own cause
        (a batch of events, each the cause of what it leads to)."""
        ...


@dataclass(frozen=True, slots=True)
class GiftExchange:
    """What gift recorded: the exchange made for a reward (now, or earlier)."""

    exchange_id: str
    gift_id: str
    exchanged_at: datetime


class GiftCatalogue(Protocol):
    async def exchange(self, reward_id: str, customer_id: str, gift_id: str) -> GiftExchange:
        """Take one unit of the gift for the reward; idempotent per reward.

        Raises GiftNotFound, OutOfStock, or GiftShopUnavailable (no answer, failure,
        circuit open)."""
        ...

    async def unavailable_for(self) -> int | None:
        """Seconds until gift may be asked again when it is known to be down (open
        circuit), else None: lets a command fail fast before doing any work."""
        ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


ReadsFactory = Callable[[], ReadUnitOfWork]
