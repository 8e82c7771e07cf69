"""In-memory stand-ins for the wallet ports: entries keyed by reward id (as the table),
and a unit of work that publishes only on commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

import pytest

from questline.wallet.domain.events import WalletEvent
from questline.wallet.domain.wallet import WalletReward

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


class FakeWalletRepository:
    def __init__(self) -> None:
        self.rows: dict[str, WalletReward] = {}

    async def add(self, entry: WalletReward) -> bool:
        if entry.reward_id in self.rows:
            return False
        self.rows[entry.reward_id] = entry
        return True

    async def add_many(self, entries: Sequence[WalletReward]) -> set[str]:
        return {e.reward_id for e in entries if await self.add(e)}

    async def get(self, reward_id: str, *, for_update: bool = False) -> WalletReward | None:
        return self.rows.get(reward_id)

    async def for_customer(self, customer_id: str) -> Sequence[WalletReward]:
        return [e for e in self.rows.values() if e.customer_id == customer_id]

    async def save(self, entry: WalletReward) -> None:
        self.rows[entry.reward_id] = entry


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.wallet = FakeWalletRepository()
        self.published: list[WalletEvent] = []
        self.causes: list[str | None] = []
        self._staged: list[WalletEvent] = []

    async def __aenter__(self) -> Self:
        self._staged = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.published += self._staged
        self._staged = []

    def publish(self, events: Sequence[WalletEvent], causation_id: str | None = None) -> None:
        self._staged += events
        self.causes += [causation_id] * len(events)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def clock() -> object:
    return lambda: NOW
