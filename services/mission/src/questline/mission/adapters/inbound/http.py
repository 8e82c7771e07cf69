"""HTTP routes of the mission service; domain errors become problem+json here, once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from questline.mission.adapters.inbound.intake import AchievementIntake
from questline.mission.adapters.inbound.schemas import (
    AchievementList,
    AchievementResponse,
    AchieveMissionRequest,
    MissionDefinitionPatch,
    MissionDefinitionRequest,
    MissionDefinitionResponse,
)
from questline.mission.application import catalogue, queries
from questline.mission.application.achieve_mission import AchieveMission
from questline.mission.application.ports import UnitOfWork
from questline.mission.domain import errors
from questline.mission.domain.mission import MissionDefinition
from questline.service_kit import idempotency
from questline.service_kit.caller import (
    AUTH_RESPONSES,
    LIVEOPS,
    MISSIONS_REPORT,
    Caller,
    CallerDep,
    bearer,
    caller_of,
    requires,
)
from questline.service_kit.hot_lane import hot
from questline.service_kit.http import request_id
from questline.service_kit.ids import CustomerIdQuery, IdPath
from questline.service_kit.lean import body_schema, dump, json_response, read_body
from questline.service_kit.problems import Problem

UowFactory = Callable[[str | None], UnitOfWork]
"""A unit of work for one command, caused by the given request id."""
ReadsFactory = Callable[[], UnitOfWork]
"""A unit of work for a query of one statement (it publishes nothing)."""
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
            return idempotency.key_reused(str(error))
        case errors.InvalidMissionWindow():
            return Problem(422, "Invalid active window", str(error))
    return Problem(422, "Mission rule broken", str(error))


def router(uow: UowFactory, reads: ReadsFactory, intake: AchievementIntake) -> APIRouter:
    api = APIRouter(tags=["missions"])

    # The hot path: a lean route (body parsed once, answer written as bytes) on the hot
    # lane (no framework layers); the OpenAPI document still shows its models.
    @api.post(
        "/missions",
        status_code=201,
        summary="Report that a customer achieved a mission",
        openapi_extra={
            **body_schema(AchieveMissionRequest),
            **bearer(MISSIONS_REPORT),
            "parameters": [idempotency.PARAMETER],
        },
        responses={
            201: {"model": AchievementResponse, "description": "Recorded (or replayed)"},
            401: AUTH_RESPONSES[401],
            403: {"description": "Only game backends (scope missions:report) report"},
            409: {"description": idempotency.REUSED_DESCRIPTION},
            422: {"description": "Unknown or inactive mission code, or invalid fields"},
        },
    )
    @hot
    async def post_mission(request: Request) -> Response:
        (await caller_of(request)).require(MISSIONS_REPORT)
        body = await read_body(request, AchieveMissionRequest)
        key = idempotency.key_of(request)
        cause = request_id(request)
        command = AchieveMission(body.customer_id, body.mission_code, key)
        try:
            result = await intake.submit(command, cause)
        except errors.MissionError as error:
            raise _problem(error) from error
        headers = {"Location": f"/missions/{result.achievement.id}"}
        if result.replayed:
            headers.update(idempotency.REPLAYED)
        return json_response(dump(AchievementResponse.of(result.achievement)), 201, headers)

    @api.get(
        "/missions/{mission_id}",
        response_model=AchievementResponse,
        summary="One achievement; rewardId is null until the reward is issued",
        responses={
            404: {"description": "No such achievement (or not yours)"},
            422: {"description": "Invalid id"},
        },
    )
    async def get_mission(mission_id: IdPath, caller: CallerDep) -> AchievementResponse:
        try:
            achievement = await queries.get_achievement(mission_id, reads())
        except errors.MissionError as error:
            raise _problem(error) from error
        if not caller.may_act_for(achievement.customer_id):
            raise Problem(404, "Achievement not found", f"No achievement with id '{mission_id}'.")
        return AchievementResponse.of(achievement)

    @api.get(
        "/missions",
        response_model=AchievementList,
        summary="A customer's achievements",
        responses={**AUTH_RESPONSES, 422: {"description": "Invalid customer id or limit"}},
    )
    async def list_missions(
        customer_id: CustomerIdQuery,
        caller: CallerDep,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> AchievementList:
        if not caller.may_act_for(customer_id):
            raise Problem(403, "Forbidden", "You may only read your own achievements.")
        items = await queries.achievements_of(customer_id, limit, reads())
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
        return [MissionDefinitionResponse.of(m) for m in await catalogue.list_missions(reads())]

    @api.get(
        "/mission-definitions/{code}",
        response_model=MissionDefinitionResponse,
        tags=["catalogue"],
        summary="One mission definition",
        responses={404: {"description": "No such mission"}, 422: {"description": "Invalid code"}},
    )
    async def get_definition(code: MissionCodePath) -> MissionDefinitionResponse:
        try:
            return MissionDefinitionResponse.of(await catalogue.get_mission(code, reads()))
        except errors.MissionNotFound as error:
            raise Problem(404, "Mission not found", str(error)) from error

    @api.post(
        "/mission-definitions",
        status_code=201,
        response_model=MissionDefinitionResponse,
        tags=["catalogue"],
        summary="Define a mission (LiveOps)",
        responses={
            **AUTH_RESPONSES,
            409: {
                "description": "A mission with this code exists, or "
                + idempotency.REUSED_DESCRIPTION
            },
            422: {"description": "Invalid fields or active window"},
        },
    )
    async def post_definition(
        body: MissionDefinitionRequest,
        request: Request,
        response: Response,
        caller: Annotated[Caller, requires(LIVEOPS)],
        idempotency_key: idempotency.IdempotencyKey = None,
    ) -> MissionDefinitionResponse:
        try:
            mission = MissionDefinition(
                body.code, body.title, body.points, body.active, body.starts_at, body.ends_at
            )
            command = catalogue.DefineMission(mission, idempotency_key)
            defined = await catalogue.define_mission(command, uow(request_id(request)))
        except errors.MissionError as error:
            raise _problem(error) from error
        if defined.replayed:
            response.headers.update(idempotency.REPLAYED)
        return MissionDefinitionResponse.of(defined.mission)

    @api.patch(
        "/mission-definitions/{code}",
        response_model=MissionDefinitionResponse,
        tags=["catalogue"],
        summary="Revise, activate or deactivate a mission (LiveOps)",
        responses={
            **AUTH_RESPONSES,
            404: {"description": "No such mission"},
            422: {"description": "Invalid fields or active window"},
        },
    )
    async def patch_definition(
        code: MissionCodePath,
        body: MissionDefinitionPatch,
        request: Request,
        caller: Annotated[Caller, requires(LIVEOPS)],
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
