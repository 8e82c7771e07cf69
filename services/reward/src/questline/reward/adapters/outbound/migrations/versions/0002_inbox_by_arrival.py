"""The inbox indexed by arrival time, for its purge (service_kit's BRIN index).

Revision ID: 0002
"""

from alembic import op

from questline.service_kit.migrations import index_inbox_by_arrival

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    index_inbox_by_arrival(op.get_bind())
