"""An achievement: recorded only while its mission is open, later linked to one reward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from questline.mission.domain.achievement import Achievement, AchievementStatus
from questline.mission.domain.errors import MissionNotOpen, RewardAlreadyLinked
from questline.mission.domain.events import MissionAchieved, RewardLinked
from questline.mission.domain.mission import MissionDefinition

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def first_win(**rules: datetime | bool | None) -> MissionDefinition:
    return MissionDefinition("first-win", "Win your first match", 50, **rules)  # type: ignore[arg-type]


def an_achievement() -> Achievement:
    achievement = Achievement.record(first_win(), "ach-1", "alice", NOW)
    achievement.events.clear()
    return achievement


def test_recording_emits_mission_achieved_with_the_definitions_points_and_title() -> None:
    achievement = Achievement.record(first_win(), "ach-1", "alice", NOW)

    assert achievement.events == [
        MissionAchieved("ach-1", "alice", "first-win", "Win your first match", 50, NOW)
    ]
    assert (achievement.mission_code, achievement.points, achievement.achieved_at) == (
        "first-win",
        50,
        NOW,
    )


def test_a_new_achievement_is_achieved_and_waits_for_its_reward() -> None:
    achievement = Achievement.record(first_win(), "ach-1", "alice", NOW)

    assert achievement.status is AchievementStatus.ACHIEVED
    assert achievement.reward_id is None


def test_an_inactive_mission_cannot_be_achieved() -> None:
    with pytest.raises(MissionNotOpen):
        Achievement.record(first_win(active=False), "ach-1", "alice", NOW)


@pytest.mark.parametrize(
    "window",
    [
        {"starts_at": NOW + HOUR},
        {"ends_at": NOW},
        {"starts_at": NOW - 2 * HOUR, "ends_at": NOW - HOUR},
    ],
    ids=["not-started-yet", "ended-just-now", "long-over"],
)
def test_a_mission_outside_its_window_cannot_be_achieved(window: dict[str, datetime]) -> None:
    with pytest.raises(MissionNotOpen):
        Achievement.record(first_win(**window), "ach-1", "alice", NOW)


def test_an_achievement_keeps_its_points_when_the_mission_is_revised_later() -> None:
    mission = first_win()
    achievement = Achievement.record(mission, "ach-1", "alice", NOW)

    mission.revise(points=999)

    assert achievement.points == 50


def test_linking_a_reward_records_it_and_emits_reward_linked() -> None:
    achievement = an_achievement()

    assert achievement.link_reward("rw-1") is True

    assert achievement.reward_id == "rw-1"
    assert achievement.status is AchievementStatus.REWARDED
    assert achievement.events == [RewardLinked("ach-1", "alice", "rw-1")]


def test_linking_the_same_reward_twice_is_no_news() -> None:
    achievement = an_achievement()
    achievement.link_reward("rw-1")

    assert achievement.link_reward("rw-1") is False

    assert achievement.events == [RewardLinked("ach-1", "alice", "rw-1")]


def test_linking_a_different_reward_is_refused_and_keeps_the_first() -> None:
    achievement = an_achievement()
    achievement.link_reward("rw-1")

    with pytest.raises(RewardAlreadyLinked, match="rw-1"):
        achievement.link_reward("rw-2")

    assert achievement.reward_id == "rw-1"
    assert len(achievement.events) == 1
