"""Wallet entries, outbox and inbox.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from questline.service_kit.migrations import create_outbox_and_inbox

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "wallet_rewards",
        sa.Column("reward_id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("mission_id", sa.String(64), nullable=False),
        sa.Column("points", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("deposited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("gift_id", sa.String(64)),
        sa.Column("exchange_id", sa.String(64)),
        sa.Column("exchanged_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_wallet_rewards_customer", "wallet_rewards", ["customer_id", "deposited_at"])
    create_outbox_and_inbox(op.get_bind())
