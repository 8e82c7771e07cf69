"""Policy: when wallet exchanged a reward, the reward becomes EXCHANGED."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from questline.reward.application.ports import UnitOfWork
from questline.reward.domain.errors import RewardNotFound


@dataclass(frozen=True, slots=True)
class MarkExchanged:
    reward_id: str
    gift_id: str
    exchanged_at: datetime


async def mark_exchanged(command: MarkExchanged, uow: UnitOfWork) -> None:
    async with uow:
        reward = await uow.rewards.get(command.reward_id, for_update=True)
        if reward is None:
            raise RewardNotFound(command.reward_id)
        if reward.mark_exchanged(command.gift_id, command.exchanged_at):
            await uow.rewards.save(reward)
            uow.publish(reward.events)
