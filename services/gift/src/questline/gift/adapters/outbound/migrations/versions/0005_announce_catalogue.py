"""Announce the catalogue: one GiftCatalogued in the outbox for every gift there is, so
read models learn the gifts this database holds without an event of their own (the
seeded ones of 0002, and any added before gift published its catalogue).

The rows commit with this revision's mark in one transaction, so they are written
exactly once; the relay publishes them like any other.

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from questline.contracts.events import GiftCatalogued
from questline.service_kit.envelope import to_record

revision = "0005"
down_revision = "0004"

SOURCE = "/questline/gift"
CAUSE = "gift-migration-0004"  # no request caused these: this revision did

_INSERT = sa.text(
    "INSERT INTO outbox (event_id, topic, key, headers, payload) VALUES (:i, :t, :k, :h, :p)"
).bindparams(sa.bindparam("h", type_=JSONB), sa.bindparam("p", type_=sa.LargeBinary))


def upgrade() -> None:
    conn = op.get_bind()
    gifts = conn.execute(sa.text("SELECT id, name, stock, stocked_total FROM gifts ORDER BY id"))
    for gift_id, name, stock, stocked_total in gifts.all():
        entry = GiftCatalogued(gift_id=gift_id, name=name, stock=stock, stocked_total=stocked_total)
        record = to_record(entry, SOURCE, CAUSE)
        conn.execute(
            _INSERT,
            {
                "i": record.event_id,
                "t": record.topic,
                "k": record.key,
                "h": record.headers,
                "p": record.value,
            },
        )
