"""Every context's events, turned into folds on the customer's page, and the gift
catalogue's names, which the pages that show a gift carry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from questline.contracts import events as contract
from questline.mypage.application.ports import GiftNames, MyPageStore
from questline.mypage.application.project import Fact, GiftListed, project
from questline.mypage.domain.view import MISSIONS, REWARDS, WALLET, EntryKey, MyPage
from questline.service_kit.db import Connection
from questline.service_kit.envelope import IncomingEvent
from questline.service_kit.inbox import EventHandlers


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


def _entry(data: contract.EventData) -> EntryKey | None:
    """The one entry an event's fold touches. None for an exchange: the page's other
    entries that show the same gift take its name too (the whole page is loaded)."""
    match data:
        case contract.MissionAchieved() | contract.MissionRewardLinked():
            return (MISSIONS, data.mission_id)
        case contract.RewardIssued() | contract.RewardMarkedExchanged():
            return (REWARDS, data.reward_id)
        case contract.RewardDeposited():
            return (WALLET, data.reward_id)
    return None


def _fact(event: IncomingEvent) -> Fact | None:
    fold = _fold(event.data)
    customer_id = getattr(event.data, "customer_id", None)
    if fold is None or customer_id is None:
        return None
    shows = event.data.gift_id if isinstance(event.data, contract.RewardExchanged) else None
    return Fact(customer_id, fold, at=event.time, gift_id=shows, entry=_entry(event.data))


def handlers(
    store_on: Callable[[Connection], MyPageStore],
    names_on: Callable[[Connection], GiftNames],
    clock: Callable[[], datetime],
) -> EventHandlers:
    """Every type goes to one handler: the whole batch is one load and one save per
    customer, whatever the topics its events came from."""

    async def fold_into_pages(conn: Connection, events: Sequence[IncomingEvent]) -> None:
        facts = [fact for event in events if (fact := _fact(event)) is not None]
        listed = [
            GiftListed(e.data.gift_id, e.data.name)
            for e in events
            if isinstance(e.data, contract.GiftCatalogued)
        ]
        await project(facts, store_on(conn), clock(), names_on(conn), listed)

    return dict.fromkeys(
        (
            contract.MissionAchieved,
            contract.MissionRewardLinked,
            contract.RewardIssued,
            contract.RewardMarkedExchanged,
            contract.RewardDeposited,
            contract.RewardExchanged,
            contract.GiftCatalogued,
        ),
        fold_into_pages,
    )
