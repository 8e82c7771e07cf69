"""What the mission core needs from the outside world."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from questline.mission.domain.achievement import Achievement
from questline.mission.domain.events import MissionEvent
from questline.mission.domain.mission import MissionDefinition


class MissionDefinitionRepository(Protocol):
    async def get(self, code: str) -> MissionDefinition | None: ...
    async def get_many(self, codes: Collection[str]) -> dict[str, MissionDefinition]: ...
    async def list(self) -> Sequence[MissionDefinition]: ...
    async def add(self, mission: MissionDefinition) -> bool:
        """False when the code is taken."""
        ...

    async def save(self, mission: MissionDefinition) -> None: ...


class AchievementRepository(Protocol):
    async def get(self, achievement_id: str, *, for_update: bool = False) -> Achievement | None: ...
    async def add_many(
        self, items: Sequence[tuple[Achievement, str | None, str | None]]
    ) -> set[str]:
        """Insert (achievement, idempotency key, fingerprint) rows whose key is free; the
        ids inserted."""
        ...

    async def by_idempotency_keys(
        self, keys: Collection[str]
    ) -> dict[str, tuple[Achievement, str]]: ...
    async def for_customer(self, customer_id: str, limit: int) -> Sequence[Achievement]: ...
    async def get_many_for_update(self, ids: Sequence[str]) -> dict[str, Achievement]:
        """The achievements with these ids, locked (in id order) for this transaction."""
        ...

    async def save_reward_links(self, achievements: Sequence[Achievement]) -> None: ...


class IdempotencyKeyRepository(Protocol):
    """The Idempotency-Keys of catalogue commands, each with a fingerprint of its
    request and the answer that request got. (Achievements keep their own keys.)"""

    async def claim(self, key: str, fingerprint: str) -> tuple[str, MissionDefinition] | None:
        """Takes `key` for this transaction (None), or, if a committed request holds it,
        returns that request's fingerprint and answer. A request holding it uncommitted
        is waited for: its rollback frees the key, its commit answers."""
        ...

    async def answer(self, key: str, answer: MissionDefinition) -> None:
        """Records the answer to replay for a key this transaction claimed."""
        ...


class UnitOfWork(Protocol):
    """One transaction; events published through it leave via the outbox on commit."""

    @property
    def missions(self) -> MissionDefinitionRepository: ...
    @property
    def achievements(self) -> AchievementRepository: ...
    @property
    def idempotency_keys(self) -> IdempotencyKeyRepository: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def publish(self, events: Sequence[MissionEvent], causation_id: str | None = None) -> None:
        """Stage events for the outbox; `causation_id` overrides the unit's own cause
        (a batch of events, each the cause of what it leads to)."""
        ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class IdGenerator(Protocol):
    def __call__(self) -> str: ...
