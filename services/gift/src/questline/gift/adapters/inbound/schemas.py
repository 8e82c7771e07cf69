"""Request and response bodies of the gift API (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from questline.gift.domain.gift import Gift

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
    created_at: datetime

    @classmethod
    def of(cls, g: Gift) -> GiftResponse:
        return cls(id=g.id, name=g.name, stock=g.stock, created_at=g.created_at)
