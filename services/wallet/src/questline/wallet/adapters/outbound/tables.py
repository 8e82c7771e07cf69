"""The wallet database: SQLAlchemy Core tables."""

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table

from questline.service_kit.inbox import inbox_table
from questline.service_kit.outbox import outbox_table

metadata = MetaData()

wallet_rewards = Table(
    "wallet_rewards",
    metadata,
    Column("reward_id", String(64), primary_key=True),  # a reward is in one wallet, once
    Column("customer_id", String(64), nullable=False),
    Column("mission_id", String(64), nullable=False),
    Column("points", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("deposited_at", DateTime(timezone=True), nullable=False),
    Column("gift_id", String(64)),
    Column("exchange_id", String(64)),
    Column("exchanged_at", DateTime(timezone=True)),
    Index("ix_wallet_rewards_customer", "customer_id", "deposited_at"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
