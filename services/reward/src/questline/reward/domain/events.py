"""Domain events of the reward context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class RewardIssued:
    reward_id: str
    mission_id: str
    customer_id: str
    points: int
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class RewardMarkedExchanged:
    reward_id: str
    customer_id: str
    gift_id: str
    exchanged_at: datetime


RewardEvent = RewardIssued | RewardMarkedExchanged
