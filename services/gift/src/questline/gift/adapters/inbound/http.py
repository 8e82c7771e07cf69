"""HTTP routes of the gift service; domain errors become problem+json here, once."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request, Response

from questline.gift.adapters.inbound.schemas import AddGiftRequest, AddStockRequest, GiftResponse
from questline.gift.adapters.outbound.uow import SqlGiftUnitOfWork
from questline.gift.application import catalogue, queries
from questline.gift.application.ports import Clock, IdGenerator
from questline.gift.domain import errors
from questline.service_kit.caller import CallerDep
from questline.service_kit.http import request_id
from questline.service_kit.ids import IdPath
from questline.service_kit.logs import log_context
from questline.service_kit.problems import Problem

UowFactory = Callable[[str | None], SqlGiftUnitOfWork]


def _problem(error: errors.GiftError) -> Problem:
    match error:
        case errors.GiftNotFound():
            return Problem(404, "Gift not found", str(error), giftId=error.gift_id)
        case errors.InvalidStock():
            return Problem(422, "Invalid stock", str(error))
        case errors.InvalidGiftName():
            return Problem(422, "Invalid gift name", str(error))
    return Problem(422, "Gift rule broken", str(error))


def router(uow: UowFactory, clock: Clock, new_id: IdGenerator) -> APIRouter:
    api = APIRouter(tags=["gifts"])

    @api.get(
        "/gifts",
        response_model=list[GiftResponse],
        summary="The gift catalogue with the stock left, ordered by name",
    )
    async def list_gifts() -> list[GiftResponse]:
        return [GiftResponse.of(g) for g in await queries.list_gifts(uow(None))]

    @api.get("/gifts/{gift_id}", response_model=GiftResponse, summary="One gift")
    async def get_gift(gift_id: IdPath) -> GiftResponse:
        try:
            return GiftResponse.of(await queries.get_gift(gift_id, uow(None)))
        except errors.GiftError as error:
            raise _problem(error) from error

    @api.post(
        "/gifts",
        status_code=201,
        response_model=GiftResponse,
        summary="Add a gift to the catalogue (LiveOps)",
    )
    async def post_gift(
        body: AddGiftRequest, request: Request, response: Response, caller: CallerDep
    ) -> GiftResponse:
        command = catalogue.AddGift(body.name, body.stock)
        with log_context(causationid=request_id(request)):
            try:
                gift = await catalogue.add_gift(command, uow(request_id(request)), clock, new_id)
            except errors.GiftError as error:
                raise _problem(error) from error
        response.headers["Location"] = f"/gifts/{gift.id}"
        return GiftResponse.of(gift)

    @api.post(
        "/gifts/{gift_id}/stock",
        response_model=GiftResponse,
        summary="Add items to a gift's stock (LiveOps)",
    )
    async def post_stock(
        gift_id: IdPath, body: AddStockRequest, request: Request, caller: CallerDep
    ) -> GiftResponse:
        command = catalogue.AddStock(gift_id, body.quantity)
        with log_context(correlationid=gift_id, causationid=request_id(request)):
            try:
                gift = await catalogue.add_stock(command, uow(request_id(request)))
            except errors.GiftError as error:
                raise _problem(error) from error
        return GiftResponse.of(gift)

    return api
