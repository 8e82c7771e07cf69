"""Every consuming service's migrations index its inbox by arrival time, so the purge of
old event ids reads the old block ranges only, not weeks of ids."""

from __future__ import annotations

import pytest

from questline.service_kit.inbox import InboxConsumer

from .conftest import Migrated

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("service", ["mission", "reward", "wallet", "gift", "mypage"])
async def test_the_inbox_purge_finds_old_ids_through_an_index_on_arrival(
    migrated: Migrated, service: str
) -> None:
    conn = await migrated(service)
    method = await conn.fetchval(
        "SELECT am.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_am am ON am.oid = c.relam WHERE c.relname = 'ix_inbox_received_at'"
    )
    assert method == "brin"
    await conn.execute("SET enable_seqscan = off")  # a tiny table: ask for the index
    plan = "\n".join(
        r[0] for r in await conn.fetch(f"EXPLAIN {InboxConsumer.OLD_IDS}", 14 * 86400.0, 10_000)
    )
    assert "ix_inbox_received_at" in plan, plan
