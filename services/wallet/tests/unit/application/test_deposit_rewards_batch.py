"""The deposit policy applied to a consumer's whole batch at once."""

from __future__ import annotations

from questline.wallet.application.deposit_reward import DepositReward, deposit_rewards


async def test_a_batch_deposits_each_reward_once_with_its_own_cause(uow, clock):
    batch = [
        (DepositReward("r-1", "alice", "m-1", 50), "ev-1"),
        (DepositReward("r-1", "alice", "m-1", 50), "ev-2"),
        (DepositReward("r-2", "bob", "m-2", 10), "ev-3"),
    ]
    assert await deposit_rewards(batch, uow, clock) == 2
    assert sorted(uow.wallet.rows) == ["r-1", "r-2"]
    assert [e.reward_id for e in uow.published] == ["r-1", "r-2"]
    assert uow.causes == ["ev-1", "ev-3"]
    assert await deposit_rewards(batch, uow, clock) == 0
