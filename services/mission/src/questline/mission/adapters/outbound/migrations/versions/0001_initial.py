"""Mission catalogue, achievements, outbox and inbox.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from questline.service_kit.migrations import create_outbox_and_inbox

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "mission_definitions",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("points", sa.Integer, sa.CheckConstraint("points > 0"), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("starts_at", sa.DateTime(timezone=True)),
        sa.Column("ends_at", sa.DateTime(timezone=True)),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "achievements",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("mission_code", sa.String(64), nullable=False),
        sa.Column("points", sa.Integer, nullable=False),
        sa.Column("achieved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reward_id", sa.String(64)),
        sa.Column("idempotency_key", sa.String(200), unique=True),
        sa.Column("request_fingerprint", sa.String(300)),
    )
    op.create_index("ix_achievements_customer", "achievements", ["customer_id", "achieved_at"])
    create_outbox_and_inbox(op.get_bind())
