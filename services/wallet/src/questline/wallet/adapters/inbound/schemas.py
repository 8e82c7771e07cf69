"""Response bodies of the wallet API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from questline.wallet.domain.wallet import Wallet, WalletReward


class Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class WalletRewardResponse(Body):
    reward_id: str
    mission_id: str
    points: int
    status: str
    deposited_at: datetime
    gift_id: str | None
    exchange_id: str | None
    exchanged_at: datetime | None

    @classmethod
    def of(cls, e: WalletReward) -> WalletRewardResponse:
        return cls(
            reward_id=e.reward_id,
            mission_id=e.mission_id,
            points=e.points,
            status=e.status.value,
            deposited_at=e.deposited_at,
            gift_id=e.gift_id,
            exchange_id=e.exchange_id,
            exchanged_at=e.exchanged_at,
        )


class WalletResponse(Body):
    customer_id: str
    available_points: int
    rewards: list[WalletRewardResponse]

    @classmethod
    def of(cls, w: Wallet) -> WalletResponse:
        return cls(
            customer_id=w.customer_id,
            available_points=w.available_points,
            rewards=[WalletRewardResponse.of(r) for r in w.rewards],
        )
