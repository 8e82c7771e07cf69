"""The reward database: SQLAlchemy Core tables."""

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table

from questline.service_kit.inbox import inbox_table
from questline.service_kit.outbox import outbox_table

metadata = MetaData()

rewards = Table(
    "rewards",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("mission_id", String(64), nullable=False, unique=True),  # one reward per achievement
    Column("customer_id", String(64), nullable=False),
    Column("points", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("gift_id", String(64)),
    Column("exchanged_at", DateTime(timezone=True)),
    Index("ix_rewards_customer", "customer_id", "issued_at"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
