"""Response body of My Page."""

from __future__ import annotations

from datetime import datetime

import orjson
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from questline.mypage.domain.view import MyPage


class Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class MissionItem(Body):
    mission_id: str
    mission_code: str
    mission_title: str | None
    points: int | None
    achieved_at: datetime | None
    reward_id: str | None
    reward_status: str | None


class WalletItem(Body):
    reward_id: str
    mission_id: str | None
    points: int | None
    status: str | None
    deposited_at: datetime | None
    gift_id: str | None
    gift_name: str | None = Field(
        description="The gift's name from the gift catalogue; null while it is not known yet"
    )
    exchange_id: str | None
    exchanged_at: datetime | None


class MyPageResponse(Body):
    customer_id: str
    missions: list[MissionItem]
    wallet: list[WalletItem]
    updated_at: datetime | None

    @classmethod
    def of(cls, page: MyPage) -> MyPageResponse:
        return cls(
            customer_id=page.customer_id,
            missions=[MissionItem(**m) for m in page.visible_missions()],
            wallet=[WalletItem(**w) for w in page.visible_wallet()],
            updated_at=page.updated_at,
        )


_CAMEL = {
    name: to_camel(name) for model in (MissionItem, WalletItem) for name in model.model_fields
}


def render(page: MyPage) -> bytes:
    """The MyPageResponse document as JSON bytes, without building pydantic models: the
    read side's hot path (the shape is the one documented by MyPageResponse)."""
    return orjson.dumps(
        {
            "customerId": page.customer_id,
            "missions": [{_CAMEL[k]: v for k, v in m.items()} for m in page.visible_missions()],
            "wallet": [{_CAMEL[k]: v for k, v in w.items()} for w in page.visible_wallet()],
            "updatedAt": page.updated_at,
        },
        option=orjson.OPT_UTC_Z,
    )
