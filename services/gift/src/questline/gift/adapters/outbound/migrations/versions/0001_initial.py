"""Gift catalogue, exchange records, outbox and inbox.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from questline.service_kit.migrations import create_outbox_and_inbox

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "gifts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("stock", sa.Integer, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint("stock >= 0", name="ck_gifts_stock_not_negative"),
    )
    # Empty until the exchange step; created now so that step needs no schema change
    # to the catalogue. reward_id is unique: one gift per reward, ever.
    op.create_table(
        "exchanges",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("reward_id", sa.String(64), nullable=False, unique=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("gift_id", sa.String(64), sa.ForeignKey("gifts.id"), nullable=False),
        sa.Column("exchanged_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_exchanges_gift", "exchanges", ["gift_id"])
    create_outbox_and_inbox(op.get_bind())
