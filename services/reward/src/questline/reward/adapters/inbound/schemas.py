"""Response bodies of the reward API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from questline.reward.domain.reward import Reward


class Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class RewardResponse(Body):
    id: str
    mission_id: str
    customer_id: str
    points: int
    status: str
    issued_at: datetime
    gift_id: str | None
    exchanged_at: datetime | None

    @classmethod
    def of(cls, r: Reward) -> RewardResponse:
        return cls(
            id=r.id,
            mission_id=r.mission_id,
            customer_id=r.customer_id,
            points=r.points,
            status=r.status.value,
            issued_at=r.issued_at,
            gift_id=r.gift_id,
            exchanged_at=r.exchanged_at,
        )


class RewardList(Body):
    customer_id: str
    items: list[RewardResponse]
