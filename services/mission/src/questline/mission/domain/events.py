"""Domain events of the mission context: immutable, named in the past tense."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class MissionAchieved:
    mission_id: str  # the achievement's id: the issuing chain's correlation key
    customer_id: str
    mission_code: str
    mission_title: str
    points: int
    achieved_at: datetime


@dataclass(frozen=True, slots=True)
class RewardLinked:
    mission_id: str
    customer_id: str
    reward_id: str


MissionEvent = MissionAchieved | RewardLinked
