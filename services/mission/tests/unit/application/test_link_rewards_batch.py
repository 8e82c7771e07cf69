"""The linking policy applied to a consumer's whole batch at once."""

from __future__ import annotations

import pytest

from questline.mission.application.achieve_mission import AchieveMission, achieve_mission
from questline.mission.application.link_reward import LinkReward, link_rewards
from questline.mission.domain.errors import AchievementNotFound
from questline.mission.domain.events import RewardLinked


async def test_a_batch_links_each_achievement_once(uow, clock, new_id):
    a = await achieve_mission(AchieveMission("alice", "first-win"), uow, clock, new_id)
    b = await achieve_mission(AchieveMission("bob", "daily-login"), uow, clock, new_id)
    first, second = a.achievement.id, b.achievement.id
    before = len(uow.published)
    batch = [
        (LinkReward(first, "r-1"), "ev-1"),
        (LinkReward(second, "r-2"), "ev-2"),
        (LinkReward(first, "r-1"), "ev-3"),
    ]
    assert await link_rewards(batch, uow) == 2
    linked = uow.published[before:]
    assert linked == [RewardLinked(first, "alice", "r-1"), RewardLinked(second, "bob", "r-2")]
    assert uow.causes[before:] == ["ev-1", "ev-2"]
    assert uow.achievements.rows[first].reward_id == "r-1"


async def test_a_batch_naming_an_unknown_achievement_fails_whole(uow):
    with pytest.raises(AchievementNotFound):
        await link_rewards([(LinkReward("nope", "r-1"), "ev-1")], uow)
    assert uow.published == []
