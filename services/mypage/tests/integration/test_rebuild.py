"""`rebuild` on real Kafka and PostgreSQL, next to a live mypage that keeps consuming and
answering: the rebuilt pages equal the live ones, reads go on during the rebuild, events
that arrive meanwhile are not lost, and versions never repeat."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from confluent_kafka import Producer

from questline.contracts import events as contract
from questline.devstack.testing import ISSUER, Infra, eventually
from questline.mypage.rebuild import rebuild
from questline.service_kit.db import Database
from questline.service_kit.envelope import OutgoingRecord, to_record

from .streaming import Running, running_mypage

pytestmark = pytest.mark.integration

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def record(data: contract.EventData) -> OutgoingRecord:
    return to_record(data, "/test", causation_id="test")


def send(producer: Producer, records: Sequence[OutgoingRecord]) -> None:
    for r in records:
        producer.produce(r.topic, r.value, r.key, headers=list(r.headers.items()))
    assert producer.flush(30) == 0


def story(customer: str, n: int, gift_id: str | None) -> list[OutgoingRecord]:
    """One achievement's whole chain; its reward exchanged for `gift_id`, if given."""
    mission, reward = f"{customer}-m{n}", f"{customer}-r{n}"
    chain: list[contract.EventData] = [
        contract.MissionAchieved(
            mission_id=mission, customer_id=customer, mission_code="first-win", points=50,
            achieved_at=at(n), mission_title="Win your first match",
        ),
        contract.RewardIssued(
            reward_id=reward, mission_id=mission, customer_id=customer, points=50,
            issued_at=at(n),
        ),
        contract.MissionRewardLinked(mission_id=mission, customer_id=customer, reward_id=reward),
        contract.RewardDeposited(
            customer_id=customer, reward_id=reward, mission_id=mission, points=50,
            deposited_at=at(n),
        ),
    ]  # fmt: skip
    if gift_id is not None:
        chain += [
            contract.RewardExchanged(
                customer_id=customer, reward_id=reward, gift_id=gift_id,
                exchange_id=f"x-{reward}", exchanged_at=at(n + 1),
            ),
            contract.RewardMarkedExchanged(
                reward_id=reward, customer_id=customer, gift_id=gift_id, exchanged_at=at(n + 1)
            ),
        ]  # fmt: skip
    return [record(e) for e in chain]


def catalogued(gift_id: str, name: str, stock: int) -> OutgoingRecord:
    return record(
        contract.GiftCatalogued(gift_id=gift_id, name=name, stock=stock, stocked_total=10)
    )


def poison(customer: str) -> OutgoingRecord:
    good = record(
        contract.RewardDeposited(
            customer_id=customer, reward_id="r-x", mission_id="m-x", points=1, deposited_at=T0
        )
    )
    return OutgoingRecord(good.event_id, good.topic, good.key, good.headers, b'{"points": "ten"}')


@pytest.fixture
async def live(database_url: str, infra: Infra) -> Any:
    group = f"questline.mypage.it-{uuid.uuid4().hex[:8]}"
    roles = frozenset({"http", "consumer"})
    async with running_mypage(
        database_url, infra.bootstrap, roles=roles, consumer_group=group
    ) as m:
        yield m


async def pages(database: Database) -> dict[str, tuple[Any, datetime, int]]:
    """Every stored page as (document, time of change, version), by customer: the page
    rows and their entries in one snapshot."""
    async with database.connection() as conn:
        rows = await conn.fetch(
            "SELECT p.customer_id, p.updated_at, p.version, e.section, e.entry_id, e.entry "
            "FROM customer_pages p LEFT JOIN page_entries e USING (customer_id)"
        )
    stored: dict[str, tuple[dict[str, Any], datetime, int]] = {}
    for customer, updated_at, version, section, entry_id, entry in rows:
        document = stored.setdefault(customer, ({}, updated_at, version))[0]
        if section is not None:
            document.setdefault(section, {})[entry_id] = entry
    return stored


async def get(mypage: Running, customer: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=mypage.base_url, timeout=10) as http:
        return await http.get(f"/mypage/{customer}", headers=ISSUER.player(customer))


async def shows(mypage: Running, customer: str, missions: int, named: int) -> bool:
    page = (await get(mypage, customer)).json()
    return len(page["missions"]) == missions and (
        sum(1 for w in page["wallet"] if w["giftName"]) == named
    )


async def folded(database: Database, customer: str, chains: int) -> bool:
    """Every section of the stored page holds `chains` entries: the topics are consumed
    independently, so the page can show its wallet before the rewards section caught up."""
    document = (await pages(database)).get(customer, ({},))[0]
    sections = ("missions", "rewards", "wallet")
    return all(len(document.get(s, {})) == chains for s in sections)


async def test_a_rebuild_equals_the_live_pages_and_loses_nothing_while_readers_read(
    live: Running, database: Database, infra: Infra
) -> None:
    run = uuid.uuid4().hex[:6]
    alice, bob, carol = (f"{name}-{run}" for name in ("alice", "bob", "carol"))
    potion, skin = f"gift-potion-{run}", f"gift-skin-{run}"
    producer = Producer({"bootstrap.servers": infra.bootstrap, "enable.idempotence": True})
    alices = story(alice, 1, potion) + story(alice, 2, None)
    history = [
        catalogued(skin, "Limited hero skin", 9),
        *alices,
        *story(bob, 1, skin),
        *story(bob, 2, None),  # a reward whose exchange failed: never exchanged
        catalogued(potion, "Health potion pack", 9),  # named after the exchange
        catalogued(skin, "Limited hero skin", 8),
        poison(bob),
        *alices[3:5],  # delivered again: the deposit and the exchange, same ids
    ]
    await asyncio.to_thread(send, producer, history)
    await eventually(lambda: shows(live, alice, 2, 1), timeout=60)
    await eventually(lambda: shows(live, bob, 2, 1), timeout=60)
    for customer in (alice, bob):
        await eventually(lambda c=customer: folded(database, c, 2), timeout=60)
    before = await pages(database)
    alice_before = (await get(live, alice)).json()

    rebuilt: asyncio.Future[Any] = asyncio.ensure_future(rebuild(live.settings, print))
    reads, sent = [], 0
    while not rebuilt.done():  # reads and new events all along the rebuild
        reads.append(await get(live, alice))
        await asyncio.to_thread(send, producer, story(carol, sent, None)[:1])
        sent += 1
    report = await rebuilt

    assert {r.status_code for r in reads} == {200}
    assert all(r.json() == alice_before for r in reads)
    await eventually(lambda: shows(live, carol, sent, 0), timeout=60)
    after = await pages(database)
    for customer, (document, updated_at, version) in before.items():
        if customer == carol:
            continue
        assert after[customer][:2] == (document, updated_at), customer
        assert after[customer][2] > version  # a version never repeats
    assert (await get(live, alice)).json() == alice_before
    assert report.records_replayed >= len(history) and report.records_refused >= 1
    assert report.pages_built >= len(before) and report.gift_names >= 2

    # The live consumer goes on, with the copy it now writes to.
    await asyncio.to_thread(send, producer, story(alice, 3, potion))
    await eventually(lambda: shows(live, alice, 3, 2), timeout=60)
    async with database.connection() as conn:
        schemas = await conn.fetch("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'mypage_%'")
    assert schemas == []  # the old copy is gone
