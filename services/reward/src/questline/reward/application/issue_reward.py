"""Policy: on MissionAchieved issue exactly one reward for the achievement."""

from __future__ import annotations

from dataclasses import dataclass

from questline.reward.application.ports import Clock, IdGenerator, UnitOfWork
from questline.reward.domain.reward import Reward


@dataclass(frozen=True, slots=True)
class IssueReward:
    mission_id: str
    customer_id: str
    points: int


async def issue_reward(
    command: IssueReward, uow: UnitOfWork, clock: Clock, new_id: IdGenerator
) -> bool:
    """True when a reward was issued; False when the mission already had one."""
    async with uow:
        reward = Reward.issue(
            new_id(), command.mission_id, command.customer_id, command.points, clock()
        )
        # The unique mission id, not the inbox alone, guarantees one reward per
        # achievement: even a re-published MissionAchieved with a new event id is absorbed.
        if not await uow.rewards.add(reward):
            return False
        uow.publish(reward.events)
        return True
