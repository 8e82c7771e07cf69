"""An achievement: one report that a customer achieved a mission, later linked to the
one reward issued for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from questline.mission.domain.errors import RewardAlreadyLinked
from questline.mission.domain.events import MissionAchieved, MissionEvent, RewardLinked
from questline.mission.domain.mission import MissionDefinition


class AchievementStatus(StrEnum):
    ACHIEVED = "ACHIEVED"  # accepted; the reward is on its way
    REWARDED = "REWARDED"  # the reward was issued and its id recorded here


@dataclass
class Achievement:
    id: str
    customer_id: str
    mission_code: str
    points: int
    achieved_at: datetime
    reward_id: str | None = None
    events: list[MissionEvent] = field(default_factory=list, compare=False, repr=False)

    @property
    def status(self) -> AchievementStatus:
        return AchievementStatus.REWARDED if self.reward_id else AchievementStatus.ACHIEVED

    @classmethod
    def record(
        cls, mission: MissionDefinition, achievement_id: str, customer_id: str, now: datetime
    ) -> Achievement:
        mission.ensure_open(now)
        achievement = cls(achievement_id, customer_id, mission.code, mission.points, now)
        achievement.events.append(
            MissionAchieved(
                achievement_id, customer_id, mission.code, mission.title, mission.points, now
            )
        )
        return achievement

    def link_reward(self, reward_id: str) -> bool:
        """Record the reward issued for this achievement; True when it is news."""
        if self.reward_id == reward_id:
            return False
        if self.reward_id is not None:
            raise RewardAlreadyLinked(self.id, self.reward_id, reward_id)
        self.reward_id = reward_id
        self.events.append(RewardLinked(self.id, self.customer_id, reward_id))
        return True
