"""The My Page read model: one JSON document per customer."""

from sqlalchemy import BigInteger, Column, DateTime, MetaData, String, Table
from sqlalchemy.dialects.postgresql import JSONB

from questline.service_kit.inbox import inbox_table
from questline.service_kit.outbox import outbox_table

metadata = MetaData()

customer_pages = Table(
    "customer_pages",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("document", JSONB, nullable=False),
    # Bumped on every change: lets a client (or a push channel) tell what is new.
    Column("version", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

outbox = outbox_table(metadata)  # unused today: mypage publishes nothing
inbox = inbox_table(metadata)
