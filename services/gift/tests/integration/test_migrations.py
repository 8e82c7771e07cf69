"""Revision 0003 on a database that already holds gifts and exchange records: the
stock ever received and each record's stock left are rebuilt, so invariant 4 holds
from the first moment. Revision 0005 announces every gift then in the catalogue."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from questline.contracts.events import GiftCatalogued
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


async def test_every_gift_in_the_catalogue_is_announced_once_by_the_migrations(infra) -> None:  # type: ignore[no-untyped-def]
    url = infra.new_database("gift")
    await asyncio.to_thread(upgrade, bootstrap.MIGRATIONS, url, "0003")
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO gifts (id, name, stock, stocked_total) VALUES ('g', 'G', 3, 7)")
            )

        await asyncio.to_thread(upgrade, bootstrap.MIGRATIONS, url)
        await asyncio.to_thread(upgrade, bootstrap.MIGRATIONS, url)  # at head: nothing more

        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT topic, key, headers, payload FROM outbox ORDER BY key")
            )
            announced = [
                (r.topic, r.key, r.headers, GiftCatalogued.from_json_bytes(r.payload)) for r in rows
            ]
    finally:
        await engine.dispose()
    assert [(topic, key) for topic, key, _h, _d in announced] == [
        ("gift.events", "g"),
        ("gift.events", "gift-mount"),
        ("gift.events", "gift-potion"),
        ("gift.events", "gift-skin"),
    ]
    assert all(h["ce_type"] == GiftCatalogued.TYPE for _t, _k, h, _d in announced)
    assert all(h["ce_source"] == "/questline/gift" for _t, _k, h, _d in announced)
    assert len({h["ce_id"] for _t, _k, h, _d in announced}) == 4
    entries = {d.gift_id: (d.name, d.stock, d.stocked_total) for _t, _k, _h, d in announced}
    assert entries == {
        "g": ("G", 3, 7),
        "gift-mount": ("Golden mount", 5, 5),
        "gift-potion": ("Health potion pack", 1000, 1000),
        "gift-skin": ("Limited hero skin", 50, 50),
    }
