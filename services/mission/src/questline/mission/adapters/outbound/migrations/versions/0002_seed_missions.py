"""A starter catalogue so a fresh install can be tried at once.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

SEED = [
    ("daily-login", "Log in today", 10),
    ("first-win", "Win your first match", 50),
    ("win-streak-5", "Win five matches in a row", 150),
    ("event-boss", "Defeat the live event boss", 300),
    ("invite-friend", "Invite a friend who joins", 100),
]


def upgrade() -> None:
    for code, title, points in SEED:
        op.execute(
            sa.text(
                "INSERT INTO mission_definitions (code, title, points) "
                "VALUES (:c, :t, :p) ON CONFLICT (code) DO NOTHING"
            ).bindparams(c=code, t=title, p=points)
        )
