"""A starter catalogue so a fresh install can be tried at once.

These rows are written by the migration, not by a use case, so no GiftStockChanged
leaves for them: the catalogue is read from gift's own API (`GET /gifts`), which is
the source of truth for names and stock. Revision 0004 announces them (and every other
gift then in the catalogue) as GiftCatalogued, once.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

SEED = [
    ("gift-potion", "Health potion pack", 1000),
    ("gift-skin", "Limited hero skin", 50),
    ("gift-mount", "Golden mount", 5),
]


def upgrade() -> None:
    for gift_id, name, stock in SEED:
        op.execute(
            sa.text(
                "INSERT INTO gifts (id, name, stock) "
                "VALUES (:i, :n, :s) ON CONFLICT (id) DO NOTHING"
            ).bindparams(i=gift_id, n=name, s=stock)
        )
