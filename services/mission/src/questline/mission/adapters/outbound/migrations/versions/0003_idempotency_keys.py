"""Idempotency keys of the catalogue commands (define a mission): each key with a
fingerprint of the request it came with and the answer it got, written in the
command's own transaction. Achievements keep theirs on their own rows.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("request_fingerprint", sa.String(64), nullable=False),
        # Null only inside the claiming transaction: it records the answer before commit.
        sa.Column("answer", JSONB),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
