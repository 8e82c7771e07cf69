"""In-memory stand-ins for the mission ports (cosmicpython style): dicts instead of
tables, and a unit of work that publishes only what a committed use case staged."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from types import TracebackType

import pytest

from questline.devstack.fakes import InMemoryUnitOfWork
from questline.mission.domain.achievement import Achievement
from questline.mission.domain.events import MissionEvent
from questline.mission.domain.mission import MissionDefinition

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


class FakeMissionRepository:
    def __init__(self, *missions: MissionDefinition) -> None:
        self.rows = {m.code: m for m in missions}

    async def get(self, code: str) -> MissionDefinition | None:
        return self.rows.get(code)

    async def get_many(self, codes: Collection[str]) -> dict[str, MissionDefinition]:
        return {c: self.rows[c] for c in codes if c in self.rows}

    async def list(self) -> Sequence[MissionDefinition]:
        return sorted(self.rows.values(), key=lambda m: m.code)

    async def add(self, mission: MissionDefinition) -> bool:
        if mission.code in self.rows:
            return False
        self.rows[mission.code] = mission
        return True

    async def save(self, mission: MissionDefinition) -> None:
        self.rows[mission.code] = mission


class FakeAchievementRepository:
    def __init__(self) -> None:
        self.rows: dict[str, Achievement] = {}
        self.keys: dict[str, tuple[str, str]] = {}  # key -> (achievement id, fingerprint)

    async def add(
        self, achievement: Achievement, idempotency_key: str | None, fingerprint: str | None
    ) -> bool:
        if idempotency_key is not None:
            if idempotency_key in self.keys:
                return False
            self.keys[idempotency_key] = (achievement.id, fingerprint or "")
        self.rows[achievement.id] = achievement
        return True

    async def get(self, achievement_id: str, *, for_update: bool = False) -> Achievement | None:
        found = self.rows.get(achievement_id)
        # A fresh copy, as a database row would be: events start empty.
        return None if found is None else Achievement(**{**vars(found), "events": []})

    async def add_many(
        self, items: Sequence[tuple[Achievement, str | None, str | None]]
    ) -> set[str]:
        return {a.id for a, key, fingerprint in items if await self.add(a, key, fingerprint)}

    async def by_idempotency_keys(
        self, keys: Collection[str]
    ) -> dict[str, tuple[Achievement, str]]:
        found = {k: await self.by_idempotency_key(k) for k in keys}
        return {k: v for k, v in found.items() if v is not None}

    async def by_idempotency_key(self, key: str) -> tuple[Achievement, str] | None:
        if key not in self.keys:
            return None
        achievement_id, fingerprint = self.keys[key]
        return self.rows[achievement_id], fingerprint

    async def for_customer(self, customer_id: str, limit: int) -> Sequence[Achievement]:
        return [a for a in self.rows.values() if a.customer_id == customer_id][:limit]

    async def save_reward_link(self, achievement: Achievement) -> None:
        self.rows[achievement.id].reward_id = achievement.reward_id

    async def get_many_for_update(self, ids: Sequence[str]) -> dict[str, Achievement]:
        found = {i: await self.get(i) for i in ids}
        return {i: a for i, a in found.items() if a is not None}

    async def save_reward_links(self, batch: Sequence[Achievement]) -> None:
        for achievement in batch:
            await self.save_reward_link(achievement)


class FakeIdempotencyKeys:
    def __init__(self) -> None:
        self.rows: dict[str, tuple[str, MissionDefinition | None]] = {}  # (fingerprint, answer)

    async def claim(self, key: str, fingerprint: str) -> tuple[str, MissionDefinition] | None:
        if key not in self.rows:
            self.rows[key] = (fingerprint, None)
            return None
        earlier, answer = self.rows[key]
        assert answer is not None, "a committed key has its answer"
        return earlier, answer

    async def answer(self, key: str, answer: MissionDefinition) -> None:
        self.rows[key] = (self.rows[key][0], replace(answer))  # a copy, as a row would be


class FakeUnitOfWork(InMemoryUnitOfWork[MissionEvent]):
    """Counts the commits; a rolled back block frees the idempotency keys it claimed."""

    def __init__(self) -> None:
        super().__init__()
        self.missions = FakeMissionRepository(
            MissionDefinition("daily-login", "Log in today", 10),
            MissionDefinition("first-win", "Win your first match", 50),
            MissionDefinition("retired", "An old mission", 5, active=False),
        )
        self.achievements = FakeAchievementRepository()
        self.idempotency_keys = FakeIdempotencyKeys()
        self.commits = 0
        self._keys_before: dict[str, tuple[str, MissionDefinition | None]] = {}

    async def __aenter__(self) -> FakeUnitOfWork:
        self._keys_before = dict(self.idempotency_keys.rows)
        return await super().__aenter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await super().__aexit__(exc_type, exc, tb)
        if exc is None:
            self.commits += 1
        else:
            self.idempotency_keys.rows = self._keys_before


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def clock() -> object:
    return lambda: NOW


@pytest.fixture
def new_id() -> object:
    counter = itertools.count(1)
    return lambda: f"ach-{next(counter)}"
