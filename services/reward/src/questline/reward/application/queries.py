"""Read use cases on rewards."""

from __future__ import annotations

from collections.abc import Sequence

from questline.reward.application.ports import ReadUnitOfWork
from questline.reward.domain.errors import RewardNotFound
from questline.reward.domain.reward import Reward


async def get_reward(reward_id: str, uow: ReadUnitOfWork) -> Reward:
    async with uow:
        reward = await uow.rewards.get(reward_id)
        if reward is None:
            raise RewardNotFound(reward_id)
        return reward


async def rewards_of(customer_id: str, limit: int, uow: ReadUnitOfWork) -> Sequence[Reward]:
    async with uow:
        return await uow.rewards.for_customer(customer_id, limit)
