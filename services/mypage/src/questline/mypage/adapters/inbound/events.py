"""Every context's events, turned into folds on the customer's page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from questline.contracts import events as contract
from questline.contracts.topics import GIFT_EVENTS, MISSION_EVENTS, REWARD_EVENTS, WALLET_EVENTS
from questline.mypage.adapters.outbound.store import SqlMyPageStore
from questline.mypage.application.project import Fact, project
from questline.mypage.domain.view import MyPage
from questline.service_kit.envelope import IncomingEvent
from questline.service_kit.inbox import Apply

TOPICS = (MISSION_EVENTS, REWARD_EVENTS, WALLET_EVENTS, GIFT_EVENTS)


def _fold(data: contract.EventData) -> Callable[[MyPage], None] | None:
    match data:
        case contract.MissionAchieved():
            return lambda p: p.mission_achieved(
                data.mission_id,
                data.mission_code,
                data.mission_title,
                data.points,
                data.achieved_at,
            )
        case contract.MissionRewardLinked():
            return lambda p: p.reward_linked(data.mission_id, data.reward_id)
        case contract.RewardIssued():
            return lambda p: p.reward_issued(data.reward_id, data.mission_id, data.issued_at)
        case contract.RewardMarkedExchanged():
            return lambda p: p.reward_marked_exchanged(data.reward_id)
        case contract.RewardDeposited():
            return lambda p: p.reward_deposited(
                data.reward_id, data.mission_id, data.points, data.deposited_at
            )
        case contract.RewardExchanged():
            return lambda p: p.reward_exchanged(
                data.reward_id, data.gift_id, data.exchange_id, data.exchanged_at
            )
    return None


HANDLED_TYPES = tuple(
    t.TYPE
    for t in (
        contract.MissionAchieved,
        contract.MissionRewardLinked,
        contract.RewardIssued,
        contract.RewardMarkedExchanged,
        contract.RewardDeposited,
        contract.RewardExchanged,
    )
)


def make_apply(
    clock: Callable[[], datetime],
) -> Apply:
    async def apply(conn: AsyncConnection, events: Sequence[IncomingEvent]) -> None:
        facts = []
        for event in events:
            fold = _fold(event.data)
            customer_id = getattr(event.data, "customer_id", None)
            if fold is not None and customer_id is not None:
                facts.append(Fact(customer_id, fold))
        await project(facts, SqlMyPageStore(conn=conn), clock())

    return apply
