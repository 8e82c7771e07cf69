"""Rows updated soon after their insert (an achievement's reward link, a My Page entry's
status) live in tables that leave room on each page: those updates stay on the page and
add no index entries (HOT updates), where a full page would move the row and index it
again."""

from __future__ import annotations

import pytest

from .conftest import Migrated

pytestmark = pytest.mark.integration

FILL = {  # rows as the services write them (sizes matter: they fill the first page)
    "achievements": (
        "INSERT INTO achievements (id, customer_id, mission_code, points, achieved_at) "
        "SELECT 'ach-' || lpad(i::text, 32, '0'), 'customer-' || i, 'daily-login', 10, now() "
        "FROM generate_series(1, 200) AS i"
    ),
    "page_entries": (
        "INSERT INTO page_entries (customer_id, section, entry_id, entry) "
        "SELECT 'customer-' || i, 'rewards', 'rw-' || lpad(i::text, 32, '0'), "
        "jsonb_build_object('reward_id', 'rw-' || i, 'status', 'ISSUED', 'mission_id', "
        "'ach-' || lpad(i::text, 32, '0'), 'issued_at', '2025-05-01T12:00:00Z') "
        "FROM generate_series(1, 200) AS i"
    ),
}
UPDATE = {  # the update each row gets soon after: five rows of the first page
    "achievements": "UPDATE achievements SET reward_id = 'rw-' || id WHERE ctid = ANY($1)",
    "page_entries": (
        'UPDATE page_entries SET entry = entry || \'{"status": "EXCHANGED"}\' WHERE ctid = ANY($1)'
    ),
}


@pytest.mark.parametrize(
    ("service", "table"), [("mission", "achievements"), ("mypage", "page_entries")]
)
async def test_a_row_updated_after_its_insert_stays_on_its_page_out_of_the_indexes(
    migrated: Migrated, service: str, table: str
) -> None:
    conn = await migrated(service)
    await conn.execute(FILL[table])
    first_page = await conn.fetchval(
        f"SELECT array_agg(ctid) FROM (SELECT ctid FROM {table} "
        "WHERE (ctid::text::point)[0] = 0 LIMIT 5) AS five"
    )
    async with conn.transaction():
        await conn.execute(UPDATE[table], first_page)
        hot = await conn.fetchval("SELECT pg_stat_get_xact_tuples_hot_updated($1::regclass)", table)
    assert hot == 5
