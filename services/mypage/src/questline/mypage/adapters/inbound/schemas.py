"""Response body of My Page."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
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
