"""Policy on RewardIssued: the achievement records the id of its one reward."""

from __future__ import annotations

from typing import Any

import pytest

from questline.mission.application.achieve_mission import AchieveMission, achieve_mission
from questline.mission.application.link_reward import LinkReward, link_reward
from questline.mission.domain.errors import AchievementNotFound, RewardAlreadyLinked
from questline.mission.domain.events import RewardLinked


@pytest.fixture
async def achieved(uow: Any, clock: Any, new_id: Any) -> str:
    result = await achieve_mission(AchieveMission("alice", "first-win"), uow, clock, new_id)
    uow.published.clear()
    return result.achievement.id


async def test_an_issued_reward_is_linked_and_reward_linked_published(
    uow: Any, achieved: str
) -> None:
    await link_reward(LinkReward(achieved, "rw-1"), uow)

    assert uow.achievements.rows[achieved].reward_id == "rw-1"
    assert uow.published == [RewardLinked(achieved, "alice", "rw-1")]


async def test_a_redelivered_reward_issued_links_nothing_new(uow: Any, achieved: str) -> None:
    await link_reward(LinkReward(achieved, "rw-1"), uow)
    await link_reward(LinkReward(achieved, "rw-1"), uow)

    assert uow.published == [RewardLinked(achieved, "alice", "rw-1")]


async def test_a_second_different_reward_is_refused_and_the_first_kept(
    uow: Any, achieved: str
) -> None:
    await link_reward(LinkReward(achieved, "rw-1"), uow)

    with pytest.raises(RewardAlreadyLinked):
        await link_reward(LinkReward(achieved, "rw-2"), uow)

    assert uow.achievements.rows[achieved].reward_id == "rw-1"
    assert len(uow.published) == 1


async def test_a_reward_for_an_unknown_achievement_is_refused(uow: Any) -> None:
    with pytest.raises(AchievementNotFound):
        await link_reward(LinkReward("no-such-achievement", "rw-1"), uow)

    assert uow.published == []
