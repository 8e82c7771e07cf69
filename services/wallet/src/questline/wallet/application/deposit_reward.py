"""Policy: on RewardIssued, deposit the reward in its customer's wallet, once."""

from __future__ import annotations

from dataclasses import dataclass

from questline.wallet.application.ports import Clock, UnitOfWork
from questline.wallet.domain.wallet import WalletReward


@dataclass(frozen=True, slots=True)
class DepositReward:
    reward_id: str
    customer_id: str
    mission_id: str
    points: int


async def deposit_reward(command: DepositReward, uow: UnitOfWork, clock: Clock) -> bool:
    async with uow:
        entry = WalletReward.deposit(
            command.reward_id, command.customer_id, command.mission_id, command.points, clock()
        )
        # The reward id is the entry's key: a second RewardIssued for it changes nothing.
        if not await uow.wallet.add(entry):
            return False
        uow.publish(entry.events)
        return True
