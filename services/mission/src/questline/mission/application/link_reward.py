"""Policy: when a reward is issued, record its id on the achievement it rewards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from questline.mission.application.ports import UnitOfWork
from questline.mission.domain.errors import AchievementNotFound


@dataclass(frozen=True, slots=True)
class LinkReward:
    mission_id: str
    reward_id: str


async def link_reward(command: LinkReward, uow: UnitOfWork) -> None:
    await link_rewards([(command, None)], uow)


async def link_rewards(commands: Sequence[tuple[LinkReward, str | None]], uow: UnitOfWork) -> int:
    """The same policy for a consumer's batch of (command, cause): one read, one write."""
    async with uow:
        found = await uow.achievements.get_many_for_update([c.mission_id for c, _ in commands])
        changed = []
        for command, cause in commands:
            achievement = found.get(command.mission_id)
            if achievement is None:
                raise AchievementNotFound(command.mission_id)
            before = len(achievement.events)
            if achievement.link_reward(command.reward_id):
                changed.append(achievement)
                uow.publish(achievement.events[before:], cause)
        await uow.achievements.save_reward_links(changed)
        return len(changed)
