"""The gift database: SQLAlchemy Core tables (the domain never sees them)."""

from sqlalchemy import (
    BigInteger,
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
    # Every item the gift ever received (first stock + restocks); never goes down.
    # Invariant 4: stocked_total = stock + exchanges of the gift. 64 bits: it only grows.
    Column("stocked_total", BigInteger, nullable=False),
    # Invariant 4 held by the database too, whatever a future code path forgets.
    CheckConstraint("stock >= 0", name="ck_gifts_stock_not_negative"),
    CheckConstraint("stock <= stocked_total", name="ck_gifts_stock_within_stocked_total"),
)

# One row per item that left a stock, written in the same transaction as the decrement.
exchanges = Table(
    "exchanges",
    metadata,
    Column("id", String(64), primary_key=True),
    # The same reward never takes a second gift (invariant 3), even under retries.
    Column("reward_id", String(64), nullable=False, unique=True),
    Column("customer_id", String(64), nullable=False),
    Column("gift_id", String(64), ForeignKey("gifts.id"), nullable=False),
    # The gift's stock right after this exchange, as GiftExchanged announced it.
    Column("stock_left", Integer, nullable=False),
    Column("exchanged_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("stock_left >= 0", name="ck_exchanges_stock_left_not_negative"),
    Index("ix_exchanges_gift", "gift_id"),
    # A customer's exchanges, newest first (GET /exchanges?customerId=).
    Index("ix_exchanges_customer", "customer_id", "exchanged_at"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
