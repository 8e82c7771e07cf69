"""Read use cases on achievements."""

from __future__ import annotations

from collections.abc import Sequence

from questline.mission.application.ports import UnitOfWork
from questline.mission.domain.achievement import Achievement
from questline.mission.domain.errors import AchievementNotFound


async def get_achievement(achievement_id: str, uow: UnitOfWork) -> Achievement:
    async with uow:
        achievement = await uow.achievements.get(achievement_id)
        if achievement is None:
            raise AchievementNotFound(achievement_id)
        return achievement


async def achievements_of(customer_id: str, limit: int, uow: UnitOfWork) -> Sequence[Achievement]:
    async with uow:
        return await uow.achievements.for_customer(customer_id, limit)
