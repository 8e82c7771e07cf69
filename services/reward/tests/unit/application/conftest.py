"""In-memory stand-ins for the reward ports: a dict keyed by reward id with the unique
mission id the table enforces, and a unit of work that publishes only on commit."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from questline.devstack.fakes import InMemoryUnitOfWork
from questline.reward.domain.events import RewardEvent
from questline.reward.domain.reward import Reward

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


class FakeRewardRepository:
    def __init__(self) -> None:
        self.rows: dict[str, Reward] = {}
        self.locked: list[list[str]] = []  # the ids of each locking read, in lock order
        self.saved: list[list[str]] = []  # the ids of each write

    async def add(self, reward: Reward) -> bool:
        if any(r.mission_id == reward.mission_id for r in self.rows.values()):
            return False
        self.rows[reward.id] = reward
        return True

    async def add_many(self, batch: Sequence[Reward]) -> set[str]:
        return {r.mission_id for r in batch if await self.add(r)}

    async def get(self, reward_id: str) -> Reward | None:
        found = self.rows.get(reward_id)
        return None if found is None else Reward(**{**vars(found), "events": []})

    async def for_customer(self, customer_id: str, limit: int) -> Sequence[Reward]:
        return [r for r in self.rows.values() if r.customer_id == customer_id][:limit]

    async def get_many_for_update(self, ids: Sequence[str]) -> dict[str, Reward]:
        self.locked.append(sorted(set(ids)))
        found = {i: await self.get(i) for i in self.locked[-1]}
        return {i: reward for i, reward in found.items() if reward is not None}

    async def save_many(self, batch: Sequence[Reward]) -> None:
        self.saved.append([r.id for r in batch])
        self.rows.update((r.id, r) for r in batch)


class FakeUnitOfWork(InMemoryUnitOfWork[RewardEvent]):
    def __init__(self) -> None:
        super().__init__()
        self.rewards = FakeRewardRepository()


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def clock() -> object:
    return lambda: NOW


@pytest.fixture
def new_id() -> object:
    counter = itertools.count(1)
    return lambda: f"rw-{next(counter)}"
