"""Command: a game backend reports that a customer achieved a mission."""

from __future__ import annotations

from dataclasses import dataclass

from questline.mission.application.ports import Clock, IdGenerator, UnitOfWork
from questline.mission.domain.achievement import Achievement
from questline.mission.domain.errors import IdempotencyKeyReused, MissionNotFound


@dataclass(frozen=True, slots=True)
class AchieveMission:
    customer_id: str
    mission_code: str
    idempotency_key: str | None = None

    def __post_init__(self) -> None:
        if self.idempotency_key == "":  # a blank key is no key, never a shared one
            object.__setattr__(self, "idempotency_key", None)

    @property
    def fingerprint(self) -> str:
        return f"{self.customer_id}\x1f{self.mission_code}"


@dataclass(frozen=True, slots=True)
class AchievementRecorded:
    achievement: Achievement
    replayed: bool  # True when the idempotency key returned an earlier achievement


async def achieve_mission(
    command: AchieveMission, uow: UnitOfWork, clock: Clock, new_id: IdGenerator
) -> AchievementRecorded:
    async with uow:
        if command.idempotency_key:
            earlier = await _earlier(command, uow)
            if earlier is not None:
                return earlier
        mission = await uow.missions.get(command.mission_code)
        if mission is None:
            raise MissionNotFound(command.mission_code)
        achievement = Achievement.record(mission, new_id(), command.customer_id, clock())
        added = await uow.achievements.add(
            achievement,
            command.idempotency_key,
            command.fingerprint if command.idempotency_key else None,
        )
        if not added:  # a concurrent request with the same key won the race
            earlier = await _earlier(command, uow)
            assert earlier is not None
            return earlier
        uow.publish(achievement.events)
        return AchievementRecorded(achievement, replayed=False)


async def _earlier(command: AchieveMission, uow: UnitOfWork) -> AchievementRecorded | None:
    assert command.idempotency_key is not None
    found = await uow.achievements.by_idempotency_key(command.idempotency_key)
    if found is None:
        return None
    achievement, fingerprint = found
    if fingerprint != command.fingerprint:
        raise IdempotencyKeyReused(command.idempotency_key)
    return AchievementRecorded(achievement, replayed=True)
