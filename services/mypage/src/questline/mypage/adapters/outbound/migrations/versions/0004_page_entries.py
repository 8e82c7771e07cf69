"""A page's entries in rows of their own: an event rewrites the entries it touches, not
the player's whole history (the document grew with every achievement, and each event
wrote it whole: its cost grew with the page).

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"

SECTIONS = ("missions", "rewards", "wallet")


def upgrade() -> None:
    op.create_table(
        "page_entries",
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("section", sa.String(16), primary_key=True),
        sa.Column("entry_id", sa.Text, primary_key=True),
        sa.Column("entry", JSONB, nullable=False),
    )
    # Entries change after their insert (a status moves, a reward id or a gift name comes
    # in): room on each page keeps those updates on it, out of the index (HOT).
    op.execute("ALTER TABLE page_entries SET (fillfactor = 80)")
    for section in SECTIONS:
        op.execute(
            "INSERT INTO page_entries (customer_id, section, entry_id, entry) "
            f"SELECT p.customer_id, '{section}', e.key, e.value FROM customer_pages p, "
            f"jsonb_each(coalesce(p.document->'{section}', '{{}}'::jsonb)) AS e"
        )
    op.drop_column("customer_pages", "document")


def downgrade() -> None:
    op.add_column(
        "customer_pages",
        sa.Column("document", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    )
    sections = ", ".join(
        f"'{s}', coalesce((SELECT jsonb_object_agg(e.entry_id, e.entry) FROM page_entries e "
        f"WHERE e.customer_id = p.customer_id AND e.section = '{s}'), '{{}}'::jsonb)"
        for s in SECTIONS
    )
    op.execute(f"UPDATE customer_pages p SET document = jsonb_build_object({sections})")
    op.alter_column("customer_pages", "document", server_default=None)
    op.drop_table("page_entries")
