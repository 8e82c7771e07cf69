"""The gift unit of work (the repositories on one transaction's connection, domain
events turned into contract events for the outbox) and its read-only sibling."""

from __future__ import annotations

from collections.abc import Sequence

from questline.contracts import events as contract
from questline.gift.adapters.outbound.repositories import (
    SqlExchangeRepository,
    SqlGiftRepository,
    view_from_json,
    view_json,
)
from questline.gift.application.ports import GiftView
from questline.gift.domain.events import GiftEvent, GiftExchanged, StockChanged
from questline.service_kit.db import Connection
from questline.service_kit.idempotency import SqlIdempotencyKeys
from questline.service_kit.uow import SqlReads, SqlUnitOfWork


def to_contract(event: GiftEvent) -> list[contract.EventData]:
    match event:
        case StockChanged():
            # Two contracts from one change: the stock-changed event of the original
            # catalogue, and the whole entry (with stockedTotal) that read models keep.
            return [
                contract.GiftStockChanged(
                    gift_id=event.gift_id, name=event.name, stock=event.stock
                ),
                contract.GiftCatalogued(
                    gift_id=event.gift_id,
                    name=event.name,
                    stock=event.stock,
                    stocked_total=event.stocked_total,
                ),
            ]
        case GiftExchanged():
            return [
                contract.GiftExchanged(
                    exchange_id=event.exchange_id,
                    reward_id=event.reward_id,
                    customer_id=event.customer_id,
                    gift_id=event.gift_id,
                    stock_left=event.stock_left,
                    exchanged_at=event.exchanged_at,
                )
            ]


class SqlGiftUnitOfWork(SqlUnitOfWork):
    gifts: SqlGiftRepository
    exchanges: SqlExchangeRepository
    idempotency_keys: SqlIdempotencyKeys[GiftView]

    def _bind(self, conn: Connection) -> None:
        self.gifts = SqlGiftRepository(conn)
        self.exchanges = SqlExchangeRepository(conn)
        self.idempotency_keys = SqlIdempotencyKeys(conn, view_json, view_from_json)

    def publish(self, events: Sequence[GiftEvent], causation_id: str | None = None) -> None:
        self.stage((c for e in events for c in to_contract(e)), causation_id)


class SqlGiftReader(SqlReads):
    """Reads in autocommit: each query is one statement (one snapshot), so a BEGIN and
    a ROLLBACK would only add two round trips."""

    gifts: SqlGiftRepository
    exchanges: SqlExchangeRepository

    def _bind(self, conn: Connection) -> None:
        self.gifts = SqlGiftRepository(conn)
        self.exchanges = SqlExchangeRepository(conn)
