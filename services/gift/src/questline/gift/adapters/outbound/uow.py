"""The gift unit of work: the repository on one connection, and domain events turned
into contract events for the outbox."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from questline.contracts import events as contract
from questline.gift.adapters.outbound.repositories import SqlGiftRepository
from questline.gift.domain.events import GiftEvent, StockChanged
from questline.service_kit.uow import SqlUnitOfWork


def to_contract(event: GiftEvent) -> contract.EventData:
    match event:
        case StockChanged():
            return contract.GiftStockChanged(
                gift_id=event.gift_id, name=event.name, stock=event.stock
            )


class SqlGiftUnitOfWork(SqlUnitOfWork):
    gifts: SqlGiftRepository

    def _bind(self, conn: AsyncConnection) -> None:
        self.gifts = SqlGiftRepository(conn)

    def publish(self, events: Sequence[GiftEvent]) -> None:
        self.stage(to_contract(e) for e in events)
