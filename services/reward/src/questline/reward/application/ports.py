"""What the reward core needs from the outside world."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from questline.reward.domain.events import RewardEvent
from questline.reward.domain.reward import Reward


class RewardRepository(Protocol):
    async def add_many(self, rewards: Sequence[Reward]) -> set[str]:
        """Insert the rewards whose mission has none yet; the mission ids inserted."""
        ...

    async def get(self, reward_id: str) -> Reward | None: ...
    async def for_customer(self, customer_id: str, limit: int) -> Sequence[Reward]: ...
    async def get_many_for_update(self, ids: Sequence[str]) -> dict[str, Reward]:
        """The rewards with these ids, locked (in id order) for this transaction."""
        ...

    async def save_many(self, rewards: Sequence[Reward]) -> None:
        """Write the status, gift and exchange time of these rewards."""
        ...


class ReadUnitOfWork(Protocol):
    """What a query needs: the rewards to read, and nothing to publish."""

    @property
    def rewards(self) -> RewardRepository: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWork(ReadUnitOfWork, Protocol):
    def publish(self, events: Sequence[RewardEvent], causation_id: str | None = None) -> None:
        """Stage events for the outbox; `causation_id` overrides the unit's own cause
        (a batch of events, each the cause of what it leads to)."""
        ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class IdGenerator(Protocol):
    def __call__(self) -> str: ...
