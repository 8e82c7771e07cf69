"""Gift names on My Page: the names the gift catalogue announced, the pages waiting for
a gift's name, and a `gift_name` on every wallet entry stored before.

The entries that show a gift already wait for its name: the gift context announces its
whole catalogue once (its revision 0004), and those pages are named as it arrives.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "gift_names",
        sa.Column("gift_id", sa.String(64), primary_key=True),
        # NULL: a page shows the gift and its name is not known yet.
        sa.Column("name", sa.String(200), nullable=True),
    )
    op.create_table(
        "gift_name_waits",
        sa.Column("gift_id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(64), primary_key=True),
    )
    op.execute(
        "UPDATE customer_pages SET document = jsonb_set(document, '{wallet}', ("
        "  SELECT jsonb_object_agg(k, '{\"gift_name\": null}'::jsonb || v)"
        "  FROM jsonb_each(document->'wallet') AS e(k, v)))"
        " WHERE document->'wallet' <> '{}'::jsonb"
    )
    op.execute(
        "INSERT INTO gift_names (gift_id, name)"
        " SELECT DISTINCT v->>'gift_id', NULL::text FROM customer_pages,"
        "  jsonb_each(document->'wallet') AS e(k, v) WHERE v->>'gift_id' IS NOT NULL"
    )
    op.execute(
        "INSERT INTO gift_name_waits (gift_id, customer_id)"
        " SELECT DISTINCT v->>'gift_id', customer_id FROM customer_pages,"
        "  jsonb_each(document->'wallet') AS e(k, v) WHERE v->>'gift_id' IS NOT NULL"
    )
