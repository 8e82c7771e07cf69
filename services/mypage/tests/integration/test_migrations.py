"""Revision 0002 on pages stored before gift names existed: every wallet entry gains a
`gift_name`, and the pages that show a gift wait for its name, which the gift
context's announced catalogue then brings."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from questline.contracts import events as contract
from questline.mypage import bootstrap
from questline.mypage.adapters.outbound.store import SqlMyPageReader
from questline.service_kit.db import Database
from questline.service_kit.migrations import upgrade

from .conftest import incoming

pytestmark = pytest.mark.integration

OLD_ENTRY = {  # a wallet entry as revision 0001's code stored it
    "reward_id": "rw-1",
    "mission_id": "ach-1",
    "points": 50,
    "status": "EXCHANGED",
    "deposited_at": "2025-05-01T12:00:00Z",
    "gift_id": "gift-potion",
    "exchange_id": "x-1",
    "exchanged_at": "2025-05-01T12:05:00Z",
}


async def test_pages_stored_before_gift_names_get_the_name_once_the_gift_is_announced(
    infra: Any, apply: Any
) -> None:
    url = await asyncio.to_thread(infra.new_database, "mypage")
    await asyncio.to_thread(upgrade, bootstrap.MIGRATIONS, url, "0001")
    database = Database(url)
    try:
        async with database.transaction() as conn:
            await conn.execute(
                "INSERT INTO customer_pages (customer_id, document, version, updated_at) "
                "VALUES ('alice', $1::jsonb, 3, now()), ('bob', $2::jsonb, 1, now())",
                {"missions": {}, "rewards": {}, "wallet": {"rw-1": OLD_ENTRY}},
                {"missions": {}, "rewards": {}, "wallet": {}},
            )

        await asyncio.to_thread(upgrade, bootstrap.MIGRATIONS, url)

        reader = SqlMyPageReader(database)
        page = await reader.get("alice")
        assert page is not None
        assert page.visible_wallet() == [{**OLD_ENTRY, "gift_name": None}]
        bob = await reader.get("bob")
        assert bob is not None and bob.to_document()["wallet"] == {}

        potion = contract.GiftCatalogued(
            gift_id="gift-potion", name="Health potion pack", stock=999, stocked_total=1000
        )
        async with database.transaction() as conn:
            await apply(conn, [incoming("e1", potion)])

        page = await reader.get("alice")
        assert page is not None
        assert [w["gift_name"] for w in page.visible_wallet()] == ["Health potion pack"]
        assert page.version == 4
    finally:
        await database.close()


async def test_pages_stored_as_whole_documents_read_the_same_once_their_entries_are_rows(
    infra: Any,
) -> None:
    url = await asyncio.to_thread(infra.new_database, "mypage")
    await asyncio.to_thread(upgrade, bootstrap.MIGRATIONS, url, "0003")
    database = Database(url)
    mission = {
        "mission_id": "ach-1",
        "mission_code": "first-login",
        "mission_title": "First login",
        "points": 50,
        "achieved_at": "2025-05-01T11:59:00Z",
        "reward_id": "rw-1",
    }
    reward = {
        "reward_id": "rw-1",
        "mission_id": "ach-1",
        "status": "EXCHANGED",
        "issued_at": "2025-05-01T11:59:30Z",
    }
    wallet = {**OLD_ENTRY, "gift_name": "Health potion pack"}
    document = {
        "missions": {"ach-1": mission},
        "rewards": {"rw-1": reward},
        "wallet": {"rw-1": wallet},
    }
    try:
        async with database.transaction() as conn:
            await conn.execute(
                "INSERT INTO customer_pages (customer_id, document, version, updated_at) "
                "VALUES ('alice', $1::jsonb, 7, now()), ('bob', '{}'::jsonb, 2, now())",
                document,
            )

        await asyncio.to_thread(upgrade, bootstrap.MIGRATIONS, url, "0004")

        reader = SqlMyPageReader(database)
        alice, bob = await reader.get("alice"), await reader.get("bob")
        assert alice is not None and alice.to_document() == document and alice.version == 7
        assert bob is not None and bob.to_document() == {
            "missions": {},
            "rewards": {},
            "wallet": {},
        }
        async with database.connection() as conn:
            assert await conn.fetchval("SELECT count(*) FROM page_entries") == 3
            columns = await conn.fetch(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'customer_pages'"
            )
        assert "document" not in {c[0] for c in columns}
    finally:
        await database.close()
