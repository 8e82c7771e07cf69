"""Policy: when wallet exchanged a reward, the reward becomes EXCHANGED."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from questline.reward.application.ports import UnitOfWork
from questline.reward.domain.errors import RewardNotFound
from questline.reward.domain.reward import Reward


@dataclass(frozen=True, slots=True)
class MarkExchanged:
    reward_id: str
    gift_id: str
    exchanged_at: datetime


async def mark_exchanged(command: MarkExchanged, uow: UnitOfWork) -> None:
    await mark_exchanged_many([(command, None)], uow)


async def mark_exchanged_many(
    commands: Sequence[tuple[MarkExchanged, str | None]], uow: UnitOfWork
) -> int:
    """The same policy for a consumer's batch of (command, cause): one locking read and
    one write for all, each exchange applied in order as if alone. An unknown reward
    fails the whole batch (the inbox then isolates the culprit). Returns how many
    rewards became EXCHANGED."""
    async with uow:
        found = await uow.rewards.get_many_for_update([c.reward_id for c, _ in commands])
        changed: dict[str, Reward] = {}
        for command, cause in commands:
            reward = found.get(command.reward_id)
            if reward is None:
                raise RewardNotFound(command.reward_id)
            before = len(reward.events)
            if reward.mark_exchanged(command.gift_id, command.exchanged_at):
                changed[reward.id] = reward
                uow.publish(reward.events[before:], cause)
        await uow.rewards.save_many(list(changed.values()))
        return len(changed)
