"""The inbox indexed by arrival time, for its purge (service_kit's BRIN index).

Revision ID: 0006
"""

from alembic import op

from questline.service_kit.migrations import index_inbox_by_arrival

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    index_inbox_by_arrival(op.get_bind())
