"""In-memory stand-ins for the wallet ports: entries keyed by reward id (as the table),
and a unit of work that publishes only on commit."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Self

import pytest

from questline.devstack.fakes import InMemoryUnitOfWork
from questline.wallet.domain.events import WalletEvent
from questline.wallet.domain.wallet import WalletReward

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


class FakeWalletRepository:
    """Hands out copies, as a database does: a change the use case does not save is lost.
    `statements` names each call that would be one SQL statement; `locks` the rewards
    locked, in the order they were locked."""

    def __init__(self) -> None:
        self.rows: dict[str, WalletReward] = {}
        self.statements: list[str] = []
        self.locks: list[str] = []

    async def add_many(self, entries: Sequence[WalletReward]) -> set[str]:
        self.statements.append("add_many")
        fresh = {e.reward_id: e for e in entries if e.reward_id not in self.rows}
        self.rows.update({reward_id: _copy(e) for reward_id, e in fresh.items()})
        return set(fresh)

    async def get(self, reward_id: str) -> WalletReward | None:
        self.statements.append("get")
        entry = self.rows.get(reward_id)
        return _copy(entry) if entry is not None else None

    async def lock_many(self, reward_ids: Collection[str]) -> dict[str, WalletReward]:
        self.statements.append("lock_many")
        found = sorted(r for r in reward_ids if r in self.rows)
        self.locks += found
        return {r: _copy(self.rows[r]) for r in found}

    async def for_customer(self, customer_id: str) -> Sequence[WalletReward]:
        return [_copy(e) for e in self.rows.values() if e.customer_id == customer_id]

    async def save_many(self, entries: Sequence[WalletReward]) -> None:
        self.statements.append("save_many")
        self.rows.update({e.reward_id: _copy(e) for e in entries})


def _copy(entry: WalletReward) -> WalletReward:
    return replace(entry, events=[])


class FakeUnitOfWork(InMemoryUnitOfWork[WalletEvent]):
    """Counts the transactions begun."""

    def __init__(self) -> None:
        super().__init__()
        self.wallet = FakeWalletRepository()
        self.transactions = 0

    async def __aenter__(self) -> Self:
        self.transactions += 1
        return await super().__aenter__()


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def clock() -> object:
    return lambda: NOW
