"""A reward: issued exactly once per achievement, exchanged at most once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from questline.reward.domain.errors import RewardExchangedForAnotherGift
from questline.reward.domain.events import RewardEvent, RewardIssued, RewardMarkedExchanged


class RewardStatus(StrEnum):
    ISSUED = "ISSUED"
    EXCHANGED = "EXCHANGED"


@dataclass
class Reward:
    id: str
    mission_id: str  # the achievement it rewards: one reward per mission id
    customer_id: str
    points: int
    issued_at: datetime
    status: RewardStatus = RewardStatus.ISSUED
    gift_id: str | None = None
    exchanged_at: datetime | None = None
    events: list[RewardEvent] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def issue(
        cls, reward_id: str, mission_id: str, customer_id: str, points: int, now: datetime
    ) -> Reward:
        reward = cls(reward_id, mission_id, customer_id, points, now)
        reward.events.append(RewardIssued(reward_id, mission_id, customer_id, points, now))
        return reward

    def mark_exchanged(self, gift_id: str, at: datetime) -> bool:
        """True when this is news; the same exchange again changes nothing."""
        if self.status is RewardStatus.EXCHANGED:
            if self.gift_id != gift_id:
                raise RewardExchangedForAnotherGift(self.id, self.gift_id or "?", gift_id)
            return False
        self.status = RewardStatus.EXCHANGED
        self.gift_id = gift_id
        self.exchanged_at = at
        self.events.append(RewardMarkedExchanged(self.id, self.customer_id, gift_id, at))
        return True
