"""Policy on RewardIssued: the reward lands in its customer's wallet, once."""

from __future__ import annotations

from typing import Any

from questline.wallet.application.deposit_reward import DepositReward, deposit_reward
from questline.wallet.application.queries import wallet_of
from questline.wallet.domain.events import RewardDeposited
from questline.wallet.domain.wallet import EntryStatus

ISSUED = DepositReward("rw-1", "alice", "ach-1", 50)


async def test_an_issued_reward_is_deposited_and_reward_deposited_published(
    uow: Any, clock: Any
) -> None:
    assert await deposit_reward(ISSUED, uow, clock) is True

    wallet = await wallet_of("alice", uow)
    assert [(e.reward_id, e.points, e.status) for e in wallet.rewards] == [
        ("rw-1", 50, EntryStatus.AVAILABLE)
    ]
    assert wallet.available_points == 50
    assert uow.published == [RewardDeposited("alice", "rw-1", "ach-1", 50, clock())]


async def test_depositing_the_same_reward_twice_deposits_it_once(uow: Any, clock: Any) -> None:
    await deposit_reward(ISSUED, uow, clock)

    assert await deposit_reward(ISSUED, uow, clock) is False

    assert len((await wallet_of("alice", uow)).rewards) == 1
    assert len(uow.published) == 1


async def test_a_customer_with_no_rewards_has_an_empty_wallet(uow: Any, clock: Any) -> None:
    await deposit_reward(ISSUED, uow, clock)

    wallet = await wallet_of("bob", uow)

    assert (wallet.customer_id, wallet.rewards, wallet.available_points) == ("bob", [], 0)
