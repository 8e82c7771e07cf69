"""HTTP routes of the gift service; domain errors become problem+json here, once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from questline.gift.adapters.inbound.intake import ExchangeIntake
from questline.gift.adapters.inbound.schemas import (
    AddGiftRequest,
    AddStockRequest,
    ExchangeList,
    ExchangeRequest,
    ExchangeResponse,
    GiftResponse,
)
from questline.gift.application import catalogue, queries
from questline.gift.application.exchange_gift import ExchangeGift
from questline.gift.application.ports import Clock, IdGenerator, Reader, UnitOfWork
from questline.gift.domain import errors
from questline.service_kit.caller import (
    AUTH_RESPONSES,
    GIFT_EXCHANGE,
    LIVEOPS,
    Caller,
    CallerDep,
    bearer,
    caller_of,
    requires,
)
from questline.service_kit.hot_lane import hot
from questline.service_kit.http import request_id
from questline.service_kit.idempotency import (
    REPLAYED,
    REUSED_DESCRIPTION,
    IdempotencyKey,
    key_reused,
)
from questline.service_kit.ids import ID_PATTERN, IdPath
from questline.service_kit.lean import body_schema, dump, json_response, read_body
from questline.service_kit.logs import log_context
from questline.service_kit.problems import Problem

UowFactory = Callable[[str | None], UnitOfWork]  # the request's id: the events' cause
ReaderFactory = Callable[[], Reader]

# Wallet's gift client dispatches on these two `type`s: change them only together.
PROBLEMS = "https://questline.dev/problems/"
GIFT_NOT_FOUND = PROBLEMS + "gift-not-found"
OUT_OF_STOCK = PROBLEMS + "out-of-stock"

CustomerIdFilter = Annotated[
    str | None, Query(alias="customerId", min_length=1, max_length=64, pattern=ID_PATTERN)
]
RewardIdFilter = Annotated[str | None, Query(alias="rewardId", min_length=1, max_length=64)]
Limit = Annotated[int, Query(ge=1, le=1000)]


def _problem(error: errors.GiftError) -> Problem:
    match error:
        case errors.GiftNotFound():
            return Problem(
                404, "Gift not found", str(error), type_=GIFT_NOT_FOUND, giftId=error.gift_id
            )
        case errors.OutOfStock():
            return Problem(
                409, "Out of stock", str(error), type_=OUT_OF_STOCK, giftId=error.gift_id
            )
        case errors.ExchangeNotFound():
            return Problem(404, "Exchange not found", str(error))
        case errors.InvalidStock():
            return Problem(422, "Invalid stock", str(error))
        case errors.InvalidGiftName():
            return Problem(422, "Invalid gift name", str(error))
        case errors.IdempotencyKeyReused():
            return key_reused(str(error))
    return Problem(422, "Gift rule broken", str(error))


def routers(
    uow: UowFactory,
    reader: ReaderFactory,
    intake: ExchangeIntake,
    clock: Clock,
    new_id: IdGenerator,
) -> list[APIRouter]:
    """Each given to the app as it is: the hot lane finds its routes only there."""
    return [_catalogue(uow, reader, clock, new_id), _exchanges(reader, intake)]


def _catalogue(
    uow: UowFactory, reader: ReaderFactory, clock: Clock, new_id: IdGenerator
) -> APIRouter:
    api = APIRouter(tags=["gifts"])

    @api.get(
        "/gifts",
        response_model=list[GiftResponse],
        summary="The gift catalogue with the stock left, ordered by name",
    )
    async def list_gifts() -> list[GiftResponse]:
        return [GiftResponse.of(g) for g in await queries.list_gifts(reader())]

    @api.get(
        "/gifts/{gift_id}",
        response_model=GiftResponse,
        summary="One gift",
        responses={404: {"description": "No such gift"}, 422: {"description": "Invalid id"}},
    )
    async def get_gift(gift_id: IdPath) -> GiftResponse:
        try:
            return GiftResponse.of(await queries.get_gift(gift_id, reader()))
        except errors.GiftError as error:
            raise _problem(error) from error

    @api.post(
        "/gifts",
        status_code=201,
        response_model=GiftResponse,
        summary="Add a gift to the catalogue (LiveOps)",
        responses={
            **AUTH_RESPONSES,
            409: {"description": REUSED_DESCRIPTION},
            422: {"description": "Invalid fields"},
        },
    )
    async def post_gift(
        body: AddGiftRequest,
        request: Request,
        response: Response,
        caller: Annotated[Caller, requires(LIVEOPS)],
        idempotency_key: IdempotencyKey = None,
    ) -> GiftResponse:
        command = catalogue.AddGift(body.name, body.stock, idempotency_key)
        with log_context(causationid=request_id(request)):
            try:
                added = await catalogue.add_gift(command, uow(request_id(request)), clock, new_id)
            except errors.GiftError as error:
                raise _problem(error) from error
        response.headers["Location"] = f"/gifts/{added.view.gift.id}"
        if added.replayed:
            response.headers.update(REPLAYED)
        return GiftResponse.of(added.view)

    @api.post(
        "/gifts/{gift_id}/stock",
        response_model=GiftResponse,
        summary="Add items to a gift's stock (LiveOps)",
        responses={
            **AUTH_RESPONSES,
            404: {"description": "No such gift"},
            409: {"description": REUSED_DESCRIPTION},
            422: {"description": "Invalid id or quantity"},
        },
    )
    async def post_stock(
        gift_id: IdPath,
        body: AddStockRequest,
        request: Request,
        response: Response,
        caller: Annotated[Caller, requires(LIVEOPS)],
        idempotency_key: IdempotencyKey = None,
    ) -> GiftResponse:
        command = catalogue.AddStock(gift_id, body.quantity, idempotency_key)
        with log_context(correlationid=gift_id, causationid=request_id(request)):
            try:
                restocked = await catalogue.add_stock(command, uow(request_id(request)))
            except errors.GiftError as error:
                raise _problem(error) from error
        if restocked.replayed:
            response.headers.update(REPLAYED)
        return GiftResponse.of(restocked.view)

    return api


def _exchanges(reader: ReaderFactory, intake: ExchangeIntake) -> APIRouter:
    api = APIRouter(tags=["exchanges"])

    # The hot path of every exchange: a lean route on the hot lane (no framework layers,
    # body parsed once, answer written as bytes); the OpenAPI document shows its models.
    @api.post(
        "/exchanges",
        status_code=201,
        summary="Give one item of a gift for a reward (internal: wallet only)",
        description="Idempotent per reward: if the reward was exchanged already, answers "
        "200 with that exchange (whatever gift is asked now) and `Idempotent-Replayed: "
        "true`, and takes nothing from stock.",
        openapi_extra={**body_schema(ExchangeRequest), **bearer(GIFT_EXCHANGE)},
        responses={
            201: {"model": ExchangeResponse, "description": "One item given for the reward"},
            200: {
                "model": ExchangeResponse,
                "description": "The reward was exchanged already: that exchange, unchanged",
            },
            400: {"description": "The body is not valid JSON"},
            **AUTH_RESPONSES,
            403: {"description": "Only wallet (scope gift:exchange) exchanges"},
            404: {"description": f"Unknown gift (problem type {GIFT_NOT_FOUND})"},
            409: {"description": f"No stock left (problem type {OUT_OF_STOCK})"},
            413: {"description": "The body is too large"},
            422: {"description": "Invalid fields"},
        },
    )
    @hot
    async def post_exchange(request: Request) -> Response:
        (await caller_of(request)).require(GIFT_EXCHANGE)
        body = await read_body(request, ExchangeRequest)
        command = ExchangeGift(body.reward_id, body.customer_id, body.gift_id)
        cause = request_id(request)
        # The reward id is the exchange chain's correlation id, in every service.
        with log_context(correlationid=body.reward_id, causationid=cause):
            try:
                # Shares a transaction with the concurrent requests for the same gift.
                result = await intake.submit(command, cause)
            except errors.GiftError as error:
                raise _problem(error) from error
        headers = {"Location": f"/exchanges/{result.exchange.id}"}
        if result.replayed:
            headers.update(REPLAYED)
        content = dump(ExchangeResponse.of(result.exchange))
        return json_response(content, 200 if result.replayed else 201, headers)

    @api.get(
        "/exchanges/{exchange_id}",
        response_model=ExchangeResponse,
        summary="One exchange",
        responses={
            404: {"description": "No such exchange (or not yours)"},
            422: {"description": "Invalid id"},
        },
    )
    async def get_exchange(exchange_id: IdPath, caller: CallerDep) -> ExchangeResponse:
        try:
            exchange = await queries.get_exchange(exchange_id, reader())
        except errors.GiftError as error:
            raise _problem(error) from error
        if not caller.may_act_for(exchange.customer_id):
            raise _problem(errors.ExchangeNotFound(exchange_id))
        return ExchangeResponse.of(exchange)

    @api.get(
        "/exchanges",
        response_model=ExchangeList,
        summary="Exchanges of a customer or of a reward, newest first (operators)",
        responses={**AUTH_RESPONSES, 422: {"description": "No filter, or an invalid one"}},
    )
    async def list_exchanges(
        caller: CallerDep,
        customer_id: CustomerIdFilter = None,
        reward_id: RewardIdFilter = None,
        limit: Limit = 100,
    ) -> ExchangeList:
        if customer_id is None and reward_id is None:
            raise Problem(422, "Invalid request", "Filter by customerId or rewardId.")
        if customer_id is not None and not caller.may_act_for(customer_id):
            raise Problem(403, "Forbidden", "You may only read your own exchanges.")
        found = await queries.list_exchanges(
            reader(), customer_id=customer_id, reward_id=reward_id, limit=limit
        )
        return ExchangeList(
            items=[ExchangeResponse.of(x) for x in found if caller.may_act_for(x.customer_id)]
        )

    return api
