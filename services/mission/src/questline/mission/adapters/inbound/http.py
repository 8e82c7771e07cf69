"""HTTP routes of the mission service; domain errors become problem+json here, once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from questline.mission.adapters.inbound.intake import AchievementIntake
from questline.mission.adapters.inbound.schemas import (
    AchievementList,
    AchievementResponse,
    AchieveMissionRequest,
    MissionDefinitionPatch,
    MissionDefinitionRequest,
    MissionDefinitionResponse,
)
from questline.mission.adapters.outbound.uow import SqlMissionUnitOfWork
from questline.mission.application import catalogue, queries
from questline.mission.application.achieve_mission import AchieveMission
from questline.mission.domain import errors
from questline.mission.domain.mission import MissionDefinition
from questline.service_kit.caller import CallerDep
from questline.service_kit.http import request_id
from questline.service_kit.ids import CustomerIdQuery, IdPath
from questline.service_kit.logs import log_context
from questline.service_kit.problems import Problem

UowFactory = Callable[[str | None], SqlMissionUnitOfWork]
MissionCodePath = IdPath


def _problem(error: errors.MissionError) -> Problem:
    match error:
        case errors.MissionNotFound() | errors.MissionNotOpen():
            return Problem(422, "Mission not available", str(error), missionCode=error.code)
        case errors.AchievementNotFound():
            return Problem(404, "Achievement not found", str(error))
        case errors.MissionAlreadyDefined():
            return Problem(409, "Mission already defined", str(error))
        case errors.IdempotencyKeyReused():
            return Problem(409, "Idempotency-Key reused", str(error))
        case errors.InvalidMissionWindow():
            return Problem(422, "Invalid active window", str(error))
    return Problem(422, "Mission rule broken", str(error))


def router(uow: UowFactory, intake: AchievementIntake) -> APIRouter:
    api = APIRouter(tags=["missions"])

    @api.post(
        "/missions",
        status_code=201,
        response_model=AchievementResponse,
        summary="Report that a customer achieved a mission",
    )
    async def post_mission(
        body: AchieveMissionRequest,
        request: Request,
        response: Response,
        caller: CallerDep,
        idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
    ) -> AchievementResponse:
        command = AchieveMission(body.customer_id, body.mission_code, idempotency_key)
        with log_context(causationid=request_id(request)):
            try:
                result = await intake.submit(command, request_id(request))
            except errors.MissionError as error:
                raise _problem(error) from error
        if result.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        response.headers["Location"] = f"/missions/{result.achievement.id}"
        return AchievementResponse.of(result.achievement)

    @api.get(
        "/missions/{mission_id}",
        response_model=AchievementResponse,
        summary="One achievement; rewardId is null until the reward is issued",
    )
    async def get_mission(mission_id: IdPath, caller: CallerDep) -> AchievementResponse:
        try:
            achievement = await queries.get_achievement(mission_id, uow(None))
        except errors.MissionError as error:
            raise _problem(error) from error
        if not caller.may_act_for(achievement.customer_id):
            raise Problem(404, "Achievement not found", f"No achievement with id '{mission_id}'.")
        return AchievementResponse.of(achievement)

    @api.get("/missions", response_model=AchievementList, summary="A customer's achievements")
    async def list_missions(
        customer_id: CustomerIdQuery,
        caller: CallerDep,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> AchievementList:
        if not caller.may_act_for(customer_id):
            raise Problem(403, "Forbidden", "You may only read your own achievements.")
        items = await queries.achievements_of(customer_id, limit, uow(None))
        return AchievementList(
            customer_id=customer_id, items=[AchievementResponse.of(a) for a in items]
        )

    @api.get(
        "/mission-definitions",
        response_model=list[MissionDefinitionResponse],
        tags=["catalogue"],
        summary="The mission catalogue",
    )
    async def list_definitions() -> list[MissionDefinitionResponse]:
        return [MissionDefinitionResponse.of(m) for m in await catalogue.list_missions(uow(None))]

    @api.get(
        "/mission-definitions/{code}",
        response_model=MissionDefinitionResponse,
        tags=["catalogue"],
        summary="One mission definition",
    )
    async def get_definition(code: MissionCodePath) -> MissionDefinitionResponse:
        try:
            return MissionDefinitionResponse.of(await catalogue.get_mission(code, uow(None)))
        except errors.MissionNotFound as error:
            raise Problem(404, "Mission not found", str(error)) from error

    @api.post(
        "/mission-definitions",
        status_code=201,
        response_model=MissionDefinitionResponse,
        tags=["catalogue"],
        summary="Define a mission (LiveOps)",
    )
    async def post_definition(
        body: MissionDefinitionRequest, request: Request, caller: CallerDep
    ) -> MissionDefinitionResponse:
        try:
            mission = MissionDefinition(
                body.code, body.title, body.points, body.active, body.starts_at, body.ends_at
            )
            created = await catalogue.define_mission(mission, uow(request_id(request)))
        except errors.MissionError as error:
            raise _problem(error) from error
        return MissionDefinitionResponse.of(created)

    @api.patch(
        "/mission-definitions/{code}",
        response_model=MissionDefinitionResponse,
        tags=["catalogue"],
        summary="Revise, activate or deactivate a mission (LiveOps)",
    )
    async def patch_definition(
        code: MissionCodePath, body: MissionDefinitionPatch, request: Request, caller: CallerDep
    ) -> MissionDefinitionResponse:
        command = catalogue.ReviseMission(
            code,
            body.title,
            body.points,
            body.active,
            body.starts_at,
            body.ends_at,
            body.clear_window,
        )
        try:
            revised = await catalogue.revise_mission(command, uow(request_id(request)))
        except errors.MissionNotFound as error:
            raise Problem(404, "Mission not found", str(error)) from error
        except errors.MissionError as error:
            raise _problem(error) from error
        return MissionDefinitionResponse.of(revised)

    return api
