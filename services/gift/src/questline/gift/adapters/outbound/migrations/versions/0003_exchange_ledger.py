"""Exchanges take stock: the stock left on each exchange record, and the total stock a
gift ever received, so invariant 4 (stocked total = stock + exchanges) can be checked.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    # Every item a gift holds or gave away was once stocked: backfill from both.
    op.add_column("gifts", sa.Column("stocked_total", sa.BigInteger, nullable=True))
    op.execute(
        "UPDATE gifts SET stocked_total = stock"
        " + (SELECT count(*) FROM exchanges e WHERE e.gift_id = gifts.id)"
    )
    op.alter_column("gifts", "stocked_total", nullable=False)
    op.create_check_constraint(
        "ck_gifts_stock_within_stocked_total", "gifts", "stock <= stocked_total"
    )

    # Nothing wrote exchanges before this revision; should a row exist anyway, rebuild
    # its stock left as if there had been no restock since: the stock now plus the
    # exchanges of the same gift made after it.
    op.add_column("exchanges", sa.Column("stock_left", sa.Integer, nullable=True))
    op.execute(
        "UPDATE exchanges e SET stock_left = g.stock + later.n"
        " FROM gifts g, (SELECT id, count(*) OVER ("
        "   PARTITION BY gift_id ORDER BY exchanged_at DESC, id DESC) - 1 AS n"
        "   FROM exchanges) later"
        " WHERE g.id = e.gift_id AND later.id = e.id"
    )
    op.alter_column("exchanges", "stock_left", nullable=False)
    op.create_check_constraint(
        "ck_exchanges_stock_left_not_negative", "exchanges", "stock_left >= 0"
    )
    op.create_index("ix_exchanges_customer", "exchanges", ["customer_id", "exchanged_at"])
