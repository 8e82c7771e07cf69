"""HTTP routes of My Page: reads from the read model only, never from other services."""

from __future__ import annotations

from fastapi import APIRouter, Response

from questline.mypage.adapters.inbound.schemas import MyPageResponse, render
from questline.mypage.adapters.outbound.store import SqlMyPageStore
from questline.mypage.application.project import my_page
from questline.service_kit.caller import CallerDep
from questline.service_kit.ids import CustomerIdPath
from questline.service_kit.problems import Problem


def router(store: SqlMyPageStore) -> APIRouter:
    api = APIRouter(tags=["mypage"])

    @api.get(
        "/mypage/{customer_id}",
        response_model=MyPageResponse,
        summary="A customer's missions and wallet, from the read model",
    )
    async def get_my_page(customer_id: CustomerIdPath, caller: CallerDep) -> Response:
        if not caller.may_act_for(customer_id):
            raise Problem(403, "Forbidden", "You may only read your own page.")
        return Response(render(await my_page(customer_id, store)), media_type="application/json")

    return api
