"""Policy: on MissionAchieved issue exactly one reward for the achievement."""

from __future__ import annotations

from collections.abc import Sequence
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
    return await issue_rewards([(command, None)], uow, clock, new_id) == 1


async def issue_rewards(
    commands: Sequence[tuple[IssueReward, str | None]],
    uow: UnitOfWork,
    clock: Clock,
    new_id: IdGenerator,
) -> int:
    """The same policy for a batch of (command, cause): one insert for all, so a
    consumer's batch costs a few statements, not a few per event. Returns how many
    rewards were issued."""
    async with uow:
        now = clock()
        first: dict[str, tuple[Reward, str | None]] = {}
        for command, cause in commands:  # one reward per mission, even inside a batch
            if command.mission_id not in first:
                reward = Reward.issue(
                    new_id(), command.mission_id, command.customer_id, command.points, now
                )
                first[command.mission_id] = (reward, cause)
        issued = await uow.rewards.add_many([reward for reward, _ in first.values()])
        for reward, cause in first.values():
            if reward.mission_id in issued:
                uow.publish(reward.events, cause)
        return len(issued)
