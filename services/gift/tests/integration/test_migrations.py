"""Revision 0003 on a database that already holds gifts and exchange records: the
stock ever received and each record's stock left are rebuilt, so invariant 4 holds
from the first moment."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from questline.gift import bootstrap
from questline.service_kit.migrations import upgrade

pytestmark = pytest.mark.integration

THEN = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


async def test_existing_gifts_and_exchanges_are_backfilled(infra) -> None:  # type: ignore[no-untyped-def]
    url = infra.new_database("gift")
    # Alembic runs its own event loop: give it a thread of its own.
    await asyncio.to_thread(upgrade, bootstrap.MIGRATIONS, url, "0002")
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO gifts (id, name, stock) VALUES ('g', 'G', 3)"))
            for n, reward in enumerate(["r-old", "r-mid", "r-new"]):
                await conn.execute(
                    text(
                        "INSERT INTO exchanges (id, reward_id, customer_id, gift_id, exchanged_at)"
                        " VALUES (:x, :r, 'alice', 'g', :at)"
                    ),
                    {"x": f"x-{n}", "r": reward, "at": THEN + timedelta(hours=n)},
                )

        await asyncio.to_thread(upgrade, bootstrap.MIGRATIONS, url)

        async with engine.connect() as conn:
            gifts = await conn.execute(text("SELECT id, stocked_total FROM gifts"))
            totals = {r.id: r.stocked_total for r in gifts}
            exchanges = await conn.execute(text("SELECT reward_id, stock_left FROM exchanges"))
            left = {r.reward_id: r.stock_left for r in exchanges}
    finally:
        await engine.dispose()
    assert totals == {"g": 6, "gift-potion": 1000, "gift-skin": 50, "gift-mount": 5}
    assert left == {"r-new": 3, "r-mid": 4, "r-old": 5}
