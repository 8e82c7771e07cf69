"""HTTP routes of My Page: reads from the read model only, never from other services."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from questline.mypage.adapters.inbound.schemas import MyPageResponse, render
from questline.mypage.application.ports import MyPageReader
from questline.mypage.application.project import my_page
from questline.service_kit.caller import AUTH_RESPONSES, BEARER, caller_of
from questline.service_kit.ids import CustomerIdPath
from questline.service_kit.lean import json_response
from questline.service_kit.problems import Problem


def router(pages: MyPageReader) -> APIRouter:
    api = APIRouter(tags=["mypage"])

    # The hot read: a lean route (the caller asked directly instead of through a
    # dependency, no response model validation); the page comes from the cache.
    @api.get(
        "/mypage/{customer_id}",
        summary="A customer's missions and wallet, from the read model",
        openapi_extra=BEARER,
        responses={
            200: {"model": MyPageResponse, "description": "The page (empty if no activity)"},
            401: AUTH_RESPONSES[401],
            403: {"description": "Not your page"},
            422: {"description": "Not a valid customer id"},
            503: {"description": "The read model is not reachable right now; retry"},
        },
    )
    async def get_my_page(customer_id: CustomerIdPath, request: Request) -> Response:
        caller = await caller_of(request)
        if not caller.may_act_for(customer_id):
            raise Problem(403, "Forbidden", "You may only read your own page.")
        return json_response(render(await my_page(customer_id, pages)))

    return api
