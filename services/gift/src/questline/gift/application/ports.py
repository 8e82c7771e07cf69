"""What the gift core needs from the outside world."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
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

    async def get_many(
        self, gift_ids: Collection[str], *, for_update: bool = False
    ) -> Mapping[str, Gift]:
        """The gifts found, by id; `for_update` locks their rows in id order."""
        ...

    async def view(self, gift_id: str) -> GiftView | None:
        """One gift and its exchange count, read at one instant."""
        ...

    async def views(self) -> Sequence[GiftView]:
        """The whole catalogue with exchange counts, ordered by name, read at one instant."""
        ...

    async def add(self, gift: Gift) -> None: ...

    async def save_stocks(self, gifts: Collection[Gift]) -> None:
        """Stores `stock` and `stocked_total` of each gift."""
        ...


class ExchangeRepository(Protocol):
    async def for_rewards(
        self, reward_ids: Collection[str], *, for_update: bool = False
    ) -> Mapping[str, Exchange]:
        """The rewards' exchanges, by reward id. `for_update` serialises work on these
        rewards until commit, even while they have no exchange yet: a concurrent
        exchange of the same reward waits here, then finds this one's record."""
        ...

    async def get(self, exchange_id: str) -> Exchange | None: ...

    async def find(
        self, *, customer_id: str | None, reward_id: str | None, limit: int
    ) -> Sequence[Exchange]:
        """Exchanges matching every filter given, newest first."""
        ...

    async def add_many(self, exchanges: Sequence[Exchange]) -> None: ...


class IdempotencyKeyRepository(Protocol):
    """The Idempotency-Keys of catalogue commands, each with a fingerprint of its
    request and the answer that request got."""

    async def claim(self, key: str, fingerprint: str) -> tuple[str, GiftView] | None:
        """Takes `key` for this transaction (None), or, if a committed request holds it,
        returns that request's fingerprint and answer. A request holding it uncommitted
        is waited for: its rollback frees the key, its commit answers."""
        ...

    async def answer(self, key: str, answer: GiftView) -> None:
        """Records the answer to replay for a key this transaction claimed."""
        ...


class Reader(Protocol):
    """The repositories for a read: each query is one statement (one snapshot), so an
    adapter needs no transaction for it."""

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


class UnitOfWork(Reader, Protocol):
    """One transaction; events published through it leave via the outbox on commit."""

    @property
    def idempotency_keys(self) -> IdempotencyKeyRepository: ...

    def publish(self, events: Sequence[GiftEvent], causation_id: str | None = None) -> None:
        """`causation_id`: the request that caused them, when one transaction serves
        several (default: the unit of work's own)."""
        ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class IdGenerator(Protocol):
    def __call__(self) -> str: ...
