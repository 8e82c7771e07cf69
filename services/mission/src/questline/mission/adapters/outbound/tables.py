"""The mission database: SQLAlchemy Core tables (the domain never sees them)."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
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

mission_definitions = Table(
    "mission_definitions",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("points", Integer, CheckConstraint("points > 0"), nullable=False),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("starts_at", DateTime(timezone=True)),
    Column("ends_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

achievements = Table(
    "achievements",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("customer_id", String(64), nullable=False),
    Column("mission_code", String(64), nullable=False),
    Column("points", Integer, nullable=False),
    Column("achieved_at", DateTime(timezone=True), nullable=False),
    Column("reward_id", String(64)),
    # A retried POST with the same key finds the first achievement instead of a second.
    Column("idempotency_key", String(200), unique=True),
    Column("request_fingerprint", String(300)),
    Index("ix_achievements_customer", "customer_id", "achieved_at"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
