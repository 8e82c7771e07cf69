"""Policy: when a reward is issued, record its id on the achievement it rewards."""

from __future__ import annotations

from dataclasses import dataclass

from questline.mission.application.ports import UnitOfWork
from questline.mission.domain.errors import AchievementNotFound


@dataclass(frozen=True, slots=True)
class LinkReward:
    mission_id: str
    reward_id: str


async def link_reward(command: LinkReward, uow: UnitOfWork) -> None:
    async with uow:
        achievement = await uow.achievements.get(command.mission_id, for_update=True)
        if achievement is None:
            raise AchievementNotFound(command.mission_id)
        if achievement.link_reward(command.reward_id):
            await uow.achievements.save_reward_link(achievement)
            uow.publish(achievement.events)
