"""My Page documents, outbox and inbox.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from questline.service_kit.migrations import create_outbox_and_inbox

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "customer_pages",
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("document", JSONB, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    create_outbox_and_inbox(op.get_bind())
