"""Request and response bodies of the gift API (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from questline.contracts.events import Id
from questline.gift.application.ports import GiftView
from questline.gift.domain.exchange import Exchange
from questline.service_kit.ids import CustomerId

MAX_QUANTITY = 1_000_000

GiftName = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
# strict: a stock is a JSON integer; "10", 10.0 and true are refused, not coerced.
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY, strict=True)]
InitialStock = Annotated[int, Field(ge=0, le=MAX_QUANTITY, strict=True)]


class Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class AddGiftRequest(Body):
    name: GiftName
    stock: InitialStock


class AddStockRequest(Body):
    quantity: Quantity


class GiftResponse(Body):
    id: str
    name: str
    stock: int = Field(description="Items left to exchange.")
    stocked_total: int = Field(description="Items the gift ever received (first + restocks).")
    exchanged_count: int = Field(
        description="Exchange records of this gift; stockedTotal = stock + exchangedCount."
    )
    created_at: datetime

    @classmethod
    def of(cls, view: GiftView) -> GiftResponse:
        g = view.gift
        return cls(
            id=g.id,
            name=g.name,
            stock=g.stock,
            stocked_total=g.stocked_total,
            exchanged_count=view.exchanged_count,
            created_at=g.created_at,
        )


class ExchangeRequest(Body):
    # Reward and gift ids are bounded as the event contracts bound them, no stricter:
    # any reward wallet learnt from RewardIssued can be exchanged.
    reward_id: Id
    customer_id: CustomerId
    gift_id: Id


class ExchangeResponse(Body):
    id: str
    reward_id: str
    customer_id: str
    gift_id: str
    stock_left: int = Field(description="The gift's stock right after this exchange.")
    exchanged_at: datetime

    @classmethod
    def of(cls, x: Exchange) -> ExchangeResponse:
        return cls(
            id=x.id,
            reward_id=x.reward_id,
            customer_id=x.customer_id,
            gift_id=x.gift_id,
            stock_left=x.stock_left,
            exchanged_at=x.exchanged_at,
        )


class ExchangeList(Body):
    items: list[ExchangeResponse] = Field(description="Newest first.")
