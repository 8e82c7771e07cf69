"""The gift database: SQLAlchemy Core tables (the domain never sees them)."""

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    func,
)

from questline.service_kit.inbox import inbox_table
from questline.service_kit.outbox import outbox_table

metadata = MetaData()

gifts = Table(
    "gifts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("stock", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Invariant 4 held by the database too, whatever a future code path forgets.
    CheckConstraint("stock >= 0", name="ck_gifts_stock_not_negative"),
)

# Written by the exchange step, in the same transaction as the stock decrement.
exchanges = Table(
    "exchanges",
    metadata,
    Column("id", String(64), primary_key=True),
    # The same reward never takes a second gift (invariant 3), even under retries.
    Column("reward_id", String(64), nullable=False, unique=True),
    Column("customer_id", String(64), nullable=False),
    Column("gift_id", String(64), ForeignKey("gifts.id"), nullable=False),
    Column("exchanged_at", DateTime(timezone=True), nullable=False),
    Index("ix_exchanges_gift", "gift_id"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
