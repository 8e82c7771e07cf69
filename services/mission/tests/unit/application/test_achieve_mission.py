"""Command AchieveMission: one achievement per report, or per Idempotency-Key."""

from __future__ import annotations

from typing import Any

import pytest

from questline.mission.application.achieve_mission import AchieveMission, achieve_mission
from questline.mission.domain.achievement import Achievement
from questline.mission.domain.errors import IdempotencyKeyReused, MissionNotFound, MissionNotOpen
from questline.mission.domain.events import MissionAchieved


async def test_an_achievement_is_recorded_and_mission_achieved_published(
    uow: Any, clock: Any, new_id: Any
) -> None:
    result = await achieve_mission(AchieveMission("alice", "first-win"), uow, clock, new_id)

    assert result.replayed is False
    assert result.achievement == Achievement("ach-1", "alice", "first-win", 50, clock())
    assert uow.achievements.rows == {"ach-1": result.achievement}
    assert uow.published == [
        MissionAchieved("ach-1", "alice", "first-win", "Win your first match", 50, clock())
    ]


async def test_without_a_key_every_report_is_a_new_achievement(
    uow: Any, clock: Any, new_id: Any
) -> None:
    for _ in range(2):
        await achieve_mission(AchieveMission("alice", "daily-login"), uow, clock, new_id)

    assert sorted(uow.achievements.rows) == ["ach-1", "ach-2"]
    assert len(uow.published) == 2


async def test_the_same_idempotency_key_twice_returns_the_first_achievement_and_publishes_once(
    uow: Any, clock: Any, new_id: Any
) -> None:
    command = AchieveMission("alice", "first-win", idempotency_key="k-1")

    first = await achieve_mission(command, uow, clock, new_id)
    again = await achieve_mission(command, uow, clock, new_id)

    assert (first.replayed, again.replayed) == (False, True)
    assert again.achievement.id == first.achievement.id == "ach-1"
    assert list(uow.achievements.rows) == ["ach-1"]
    assert len(uow.published) == 1


@pytest.mark.parametrize(
    "other",
    [AchieveMission("bob", "first-win", "k-1"), AchieveMission("alice", "daily-login", "k-1")],
)
async def test_the_same_key_for_another_customer_or_mission_is_refused(
    uow: Any, clock: Any, new_id: Any, other: AchieveMission
) -> None:
    await achieve_mission(AchieveMission("alice", "first-win", "k-1"), uow, clock, new_id)

    with pytest.raises(IdempotencyKeyReused):
        await achieve_mission(other, uow, clock, new_id)

    assert list(uow.achievements.rows) == ["ach-1"]
    assert len(uow.published) == 1


async def test_a_request_that_loses_the_race_for_its_key_returns_the_winners_achievement(
    uow: Any, clock: Any, new_id: Any
) -> None:
    winner = Achievement("ach-winner", "alice", "first-win", 50, clock())
    insert = uow.achievements.add

    async def the_winner_commits_first(achievement: Achievement, key: str, fp: str) -> bool:
        await insert(winner, key, fp)
        added: bool = await insert(achievement, key, fp)
        return added

    uow.achievements.add = the_winner_commits_first
    command = AchieveMission("alice", "first-win", idempotency_key="k-1")

    result = await achieve_mission(command, uow, clock, new_id)

    assert (result.achievement.id, result.replayed) == ("ach-winner", True)
    assert uow.published == []


async def test_an_unknown_mission_is_refused_and_nothing_is_recorded(
    uow: Any, clock: Any, new_id: Any
) -> None:
    with pytest.raises(MissionNotFound):
        await achieve_mission(AchieveMission("alice", "no-such-mission"), uow, clock, new_id)

    assert uow.achievements.rows == {}
    assert uow.published == []


async def test_an_inactive_mission_is_refused_and_nothing_is_recorded(
    uow: Any, clock: Any, new_id: Any
) -> None:
    with pytest.raises(MissionNotOpen):
        await achieve_mission(AchieveMission("alice", "retired", "k-1"), uow, clock, new_id)

    assert uow.achievements.rows == {}
    assert uow.achievements.keys == {}
    assert uow.published == []
