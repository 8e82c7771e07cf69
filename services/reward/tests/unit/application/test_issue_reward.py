"""Policy on MissionAchieved: exactly one reward per achievement."""

from __future__ import annotations

from typing import Any

from questline.reward.application.issue_reward import IssueReward, issue_reward
from questline.reward.domain.events import RewardIssued
from questline.reward.domain.reward import Reward


async def test_an_achievement_is_rewarded_and_reward_issued_published(
    uow: Any, clock: Any, new_id: Any
) -> None:
    assert await issue_reward(IssueReward("ach-1", "alice", 50), uow, clock, new_id) is True

    assert uow.rewards.rows == {"rw-1": Reward("rw-1", "ach-1", "alice", 50, clock())}
    assert uow.published == [RewardIssued("rw-1", "ach-1", "alice", 50, clock())]


async def test_a_mission_that_already_has_a_reward_gets_no_second_one(
    uow: Any, clock: Any, new_id: Any
) -> None:
    await issue_reward(IssueReward("ach-1", "alice", 50), uow, clock, new_id)
    uow.published.clear()

    assert await issue_reward(IssueReward("ach-1", "alice", 50), uow, clock, new_id) is False

    assert list(uow.rewards.rows) == ["rw-1"]
    assert uow.published == []


async def test_each_achievement_gets_its_own_reward(uow: Any, clock: Any, new_id: Any) -> None:
    await issue_reward(IssueReward("ach-1", "alice", 50), uow, clock, new_id)
    await issue_reward(IssueReward("ach-2", "alice", 10), uow, clock, new_id)

    assert {r.mission_id: r.points for r in uow.rewards.rows.values()} == {"ach-1": 50, "ach-2": 10}
    assert len(uow.published) == 2
