"""Room on each page of achievements for its rows' reward links.

Every achievement is updated once, soon after its insert, when its reward id comes back.
On a full page that update writes a new row version elsewhere and a new entry in every
index; with room left on the page it stays there (a HOT update: no index entries, less
WAL), since the reward id is in no index.

Revision ID: 0005
"""

from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.execute("ALTER TABLE achievements SET (fillfactor = 80)")


def downgrade() -> None:
    op.execute("ALTER TABLE achievements RESET (fillfactor)")
