"""Policy: on RewardIssued, deposit the reward in its customer's wallet, once."""

from __future__ import annotations

from collections.abc import Sequence
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
    """True when deposited; False when the reward was already in the wallet."""
    return await deposit_rewards([(command, None)], uow, clock) == 1


async def deposit_rewards(
    commands: Sequence[tuple[DepositReward, str | None]], uow: UnitOfWork, clock: Clock
) -> int:
    """The same policy for a consumer's batch of (command, cause), in one insert."""
    async with uow:
        now = clock()
        first: dict[str, tuple[WalletReward, str | None]] = {}
        for c, cause in commands:
            if c.reward_id not in first:
                entry = WalletReward.deposit(
                    c.reward_id, c.customer_id, c.mission_id, c.points, now
                )
                first[c.reward_id] = (entry, cause)
        deposited = await uow.wallet.add_many([entry for entry, _ in first.values()])
        for entry, cause in first.values():
            if entry.reward_id in deposited:
                uow.publish(entry.events, cause)
        return len(deposited)
