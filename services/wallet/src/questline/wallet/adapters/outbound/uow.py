"""The wallet units of work (one that writes, one that only reads) and the domain →
contract event mapping."""

from __future__ import annotations

from collections.abc import Sequence

from questline.contracts import events as contract
from questline.service_kit.db import Connection
from questline.service_kit.uow import SqlReads, SqlUnitOfWork
from questline.wallet.adapters.outbound.repositories import SqlWalletRepository
from questline.wallet.domain.events import RewardDeposited, RewardExchanged, WalletEvent


def to_contract(event: WalletEvent) -> contract.EventData:
    match event:
        case RewardDeposited():
            return contract.RewardDeposited(
                customer_id=event.customer_id,
                reward_id=event.reward_id,
                mission_id=event.mission_id,
                points=event.points,
                deposited_at=event.deposited_at,
            )
        case RewardExchanged():
            return contract.RewardExchanged(
                customer_id=event.customer_id,
                reward_id=event.reward_id,
                gift_id=event.gift_id,
                exchange_id=event.exchange_id,
                exchanged_at=event.exchanged_at,
            )


class SqlWalletUnitOfWork(SqlUnitOfWork):
    wallet: SqlWalletRepository

    def _bind(self, conn: Connection) -> None:
        self.wallet = SqlWalletRepository(conn)

    def publish(self, events: Sequence[WalletEvent], causation_id: str | None = None) -> None:
        self.stage((to_contract(e) for e in events), causation_id)


class SqlWalletReads(SqlReads):
    """A read-only unit of work on an autocommit connection: a query is one statement,
    so a transaction would only add its BEGIN and ROLLBACK round trips."""

    wallet: SqlWalletRepository

    def _bind(self, conn: Connection) -> None:
        self.wallet = SqlWalletRepository(conn)
