"""HTTP routes of the wallet service."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter

from questline.service_kit.caller import CallerDep
from questline.service_kit.ids import CustomerIdPath
from questline.service_kit.problems import Problem
from questline.wallet.adapters.inbound.schemas import WalletResponse
from questline.wallet.adapters.outbound.uow import SqlWalletUnitOfWork
from questline.wallet.application import queries

UowFactory = Callable[[str | None], SqlWalletUnitOfWork]


def router(uow: UowFactory) -> APIRouter:
    api = APIRouter(tags=["wallets"])

    @api.get(
        "/wallets/{customer_id}",
        response_model=WalletResponse,
        summary="A customer's wallet: every reward with its status and gift",
    )
    async def get_wallet(customer_id: CustomerIdPath, caller: CallerDep) -> WalletResponse:
        if not caller.may_act_for(customer_id):
            raise Problem(403, "Forbidden", "You may only read your own wallet.")
        return WalletResponse.of(await queries.wallet_of(customer_id, uow(None)))

    return api
