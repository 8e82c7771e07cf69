"""HTTP routes of the wallet service; domain errors become problem+json here, once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, TypeAdapter
from pydantic.alias_generators import to_camel

from questline.service_kit.caller import (
    AUTH_RESPONSES,
    BEARER,
    LIVEOPS,
    Caller,
    CallerDep,
    caller_of,
    requires,
)
from questline.service_kit.hot_lane import hot
from questline.service_kit.http import request_id
from questline.service_kit.ids import CustomerId, CustomerIdPath, OpaqueId
from questline.service_kit.lean import (
    body_schema,
    dump,
    json_response,
    path_schema,
    read_body,
    read_path,
)
from questline.service_kit.logs import log_context
from questline.service_kit.problems import Problem
from questline.wallet.adapters.inbound.intake import ExchangeIntake
from questline.wallet.adapters.inbound.schemas import WalletResponse, WalletRewardResponse
from questline.wallet.application import queries
from questline.wallet.application.exchange_reward import (
    ExchangeReward,
    RecordExchange,
    exchange_reward,
)
from questline.wallet.application.ports import GiftCatalogue, ReadUnitOfWork
from questline.wallet.domain import errors
from questline.wallet.domain.wallet import WalletReward

Reads = Callable[[], ReadUnitOfWork]
PROBLEMS = "https://questline.dev/problems/"
# The exchange's path, validated by hand on the hot lane (as FastAPI would, same 422).
EXCHANGE_PATH = {"customer_id": TypeAdapter(CustomerId), "reward_id": TypeAdapter(OpaqueId)}


class ExchangeRequest(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    gift_id: OpaqueId


def _problem(error: errors.WalletError) -> Problem:
    match error:
        case errors.RewardNotInWallet():
            return Problem(404, "Reward not found", str(error), type_=PROBLEMS + "reward-not-found")
        case errors.GiftNotFound():
            return Problem(404, "Gift not found", str(error), type_=PROBLEMS + "gift-not-found")
        case errors.RewardAlreadyExchanged():
            return Problem(
                409,
                "Reward already exchanged",
                str(error),
                type_=PROBLEMS + "already-exchanged",
                giftId=error.gift_id,
            )
        case errors.OutOfStock():
            return Problem(
                409,
                "Out of stock",
                f"Sorry, '{error.gift_id}' is out of stock. "
                "Your reward is still available for another gift.",
                type_=PROBLEMS + "out-of-stock",
                giftId=error.gift_id,
            )
        case errors.GiftShopUnavailable():
            seconds = error.retry_after_s
            return Problem(
                503,
                "Gift shop busy",
                f"The gift shop is busy right now. Your reward is safe and still available: "
                f"please try again in {seconds} seconds.",
                type_=PROBLEMS + "gift-shop-busy",
                headers={"Retry-After": str(seconds)},
                retryAfterSeconds=seconds,
            )
    return Problem(422, "Wallet rule broken", str(error))


def router(
    reads: Reads,
    gifts: GiftCatalogue,
    exchanges: ExchangeIntake,
    breaker_state: Callable[[], Awaitable[dict[str, Any]]],
) -> APIRouter:
    api = APIRouter(tags=["wallets"])

    @api.get(
        "/wallets/{customer_id}",
        response_model=WalletResponse,
        summary="A customer's wallet: every reward with its status and gift",
        responses={**AUTH_RESPONSES, 422: {"description": "Invalid customer id"}},
    )
    async def get_wallet(customer_id: CustomerIdPath, caller: CallerDep) -> WalletResponse:
        if not caller.may_act_for(customer_id):
            raise Problem(403, "Forbidden", "You may only read your own wallet.")
        return WalletResponse.of(await queries.wallet_of(customer_id, reads()))

    # The hot path: a lean route on the hot lane (no framework layers, path and body
    # parsed once, answer written as bytes); the OpenAPI document still shows the
    # parameters, the request and response models and every status.
    @api.post(
        "/wallets/{customer_id}/rewards/{reward_id}/exchange",
        summary="Exchange a reward for a gift (synchronous; 503 + Retry-After when "
        "the gift shop is down or its circuit is open: the reward stays)",
        openapi_extra={**path_schema(**EXCHANGE_PATH), **body_schema(ExchangeRequest), **BEARER},
        responses={
            200: {
                "model": WalletRewardResponse,
                "description": "The EXCHANGED entry (a retry: the same exchange, no second gift)",
            },
            400: {"description": "The body is not valid JSON"},
            401: AUTH_RESPONSES[401],
            403: {"description": "Not your reward: only its owner (a player token) exchanges"},
            404: {"description": "Unknown reward (not in this wallet) or unknown gift"},
            409: {"description": "Already exchanged for another gift, or out of stock"},
            413: {"description": "The body is too large"},
            422: {"description": "Invalid customer id, reward id or fields"},
            503: {
                "description": "The gift shop is down or busy (Retry-After; the reward "
                "stays AVAILABLE), or the database is not reachable right now"
            },
        },
    )
    @hot
    async def exchange(request: Request) -> Response:
        customer_id, reward_id = read_path(request, **EXCHANGE_PATH)
        caller = await caller_of(request)
        if caller.customer_id != customer_id:
            raise Problem(403, "Forbidden", "You may only exchange your own rewards.")
        body = await read_body(request, ExchangeRequest)
        command = ExchangeReward(customer_id, reward_id, body.gift_id)
        cause = request_id(request)

        async def record(step: RecordExchange) -> WalletReward:
            # Shares a transaction with the concurrent exchanges (group commit).
            return await exchanges.submit(step, cause)

        with log_context(correlationid=reward_id, causationid=cause):
            try:
                entry = await exchange_reward(command, gifts, reads, record)
            except errors.WalletError as error:
                raise _problem(error) from error
        return json_response(dump(WalletRewardResponse.of(entry)))

    @api.get(
        "/admin/circuit-breakers",
        tags=["platform"],
        summary="State of the circuit breaker on the call to gift (operators)",
        responses=AUTH_RESPONSES,
    )
    async def circuit_breakers(
        caller: Annotated[Caller, requires(LIVEOPS)],
    ) -> list[dict[str, Any]]:
        return [await breaker_state()]

    return api
