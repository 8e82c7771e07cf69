"""HTTP routes of the reward service (queries only: rewards are issued by events)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query

from questline.reward.adapters.inbound.schemas import RewardList, RewardResponse
from questline.reward.application import queries
from questline.reward.application.ports import ReadUnitOfWork
from questline.reward.domain.errors import RewardNotFound
from questline.service_kit.caller import AUTH_RESPONSES, CallerDep
from questline.service_kit.ids import CustomerIdQuery, IdPath
from questline.service_kit.problems import Problem

Reads = Callable[[], ReadUnitOfWork]


def router(reads: Reads) -> APIRouter:
    api = APIRouter(tags=["rewards"])

    @api.get(
        "/rewards/{reward_id}",
        response_model=RewardResponse,
        summary="One reward",
        responses={
            404: {"description": "No such reward (or not yours)"},
            422: {"description": "Invalid id"},
        },
    )
    async def get_reward(reward_id: IdPath, caller: CallerDep) -> RewardResponse:
        try:
            reward = await queries.get_reward(reward_id, reads())
        except RewardNotFound as error:
            raise Problem(404, "Reward not found", str(error)) from error
        if not caller.may_act_for(reward.customer_id):
            raise Problem(404, "Reward not found", f"No reward with id '{reward_id}'.")
        return RewardResponse.of(reward)

    @api.get(
        "/rewards",
        response_model=RewardList,
        summary="A customer's rewards",
        responses={**AUTH_RESPONSES, 422: {"description": "Invalid customer id or limit"}},
    )
    async def list_rewards(
        customer_id: CustomerIdQuery,
        caller: CallerDep,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> RewardList:
        if not caller.may_act_for(customer_id):
            raise Problem(403, "Forbidden", "You may only read your own rewards.")
        items = await queries.rewards_of(customer_id, limit, reads())
        return RewardList(customer_id=customer_id, items=[RewardResponse.of(r) for r in items])

    return api
