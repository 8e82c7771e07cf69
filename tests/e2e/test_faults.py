"""Faults on the running system: stopped services, killed replicas, a relay that dies
between publish and mark, duplicate and poison records. After each, invariants hold."""

from __future__ import annotations

import asyncio
import signal
import uuid

import pytest
from confluent_kafka import Consumer, Producer

from questline.contracts.events import MissionAchieved
from questline.devstack.testing import eventually
from questline.service_kit.db import Database

pytestmark = pytest.mark.e2e


async def test_achievements_are_accepted_while_reward_is_down_and_settle_after_restart(api):
    stack = api.stack
    players = api.customers(5, "down")
    stack.stop("reward-0")
    try:
        accepted = await api.achieve_many(players, per_customer=10)
        assert len(accepted) == 50
        # Nothing can be rewarded while reward is down: the achievements wait, accepted.
        mine = await api.get("mission", f"/missions?customerId={players[0]}")
        assert all(m["rewardId"] is None for m in mine["items"])
    finally:
        stack.start("reward")
        stack.wait_ready(["reward"])
    await api.wait_settled(players, achievements=10)


async def test_rewards_keep_being_issued_while_wallet_is_down_and_land_once_it_is_back(api):
    stack = api.stack
    players = api.customers(4, "nowallet")
    stack.stop("wallet-0")
    try:
        await api.achieve_many(players, per_customer=5)

        async def issued() -> bool:  # reward does not wait for wallet: events decouple them
            mine = await api.get("mission", f"/missions?customerId={players[0]}")
            return all(m["rewardId"] for m in mine["items"])

        await eventually(issued, timeout=60)
    finally:
        stack.start("wallet")
        stack.wait_ready(["wallet"])
    await api.wait_settled(players, achievements=5)


async def test_the_flow_goes_on_while_mypage_is_down_and_my_page_catches_up_after(api):
    stack = api.stack
    players = api.customers(4, "nomypage")
    stack.stop("mypage-0")
    try:
        await api.achieve_many(players, per_customer=5)

        async def in_wallets() -> bool:
            wallets = [await api.rewards_of(p) for p in players]
            return all(len(w) == 5 for w in wallets)

        await eventually(in_wallets, timeout=60)
    finally:
        stack.start("mypage")
        stack.wait_ready(["mypage"])
    await api.wait_settled(players, achievements=5)


async def test_a_reward_replica_killed_mid_stream_loses_and_doubles_nothing(api):
    stack = api.stack
    extra = [stack.start("reward", roles="consumer,relay", replica=str(i)) for i in (1, 2)]
    players = api.customers(10, "kill")
    try:
        first_half = asyncio.create_task(api.achieve_many(players, per_customer=15))
        # Kill one replica once it has applied events (its partitions are mid-stream).
        await eventually(lambda: _applied_any(extra[0].log_file), timeout=60)
        stack.stop(extra[0].key, sig=signal.SIGKILL)
        assert extra[0].popen.returncode == -signal.SIGKILL
        await first_half
        await api.achieve_many(players, per_customer=5)
        await api.wait_settled(players, achievements=20, timeout=120)
    finally:
        for proc in extra:
            stack.stop(proc.key)


def _applied_any(log_file) -> bool:  # type: ignore[no-untyped-def]
    return log_file.exists() and "consumer_started" in log_file.read_text()


async def test_an_event_committed_but_never_relayed_goes_out_after_a_crash(api):
    """mission commits achievements and dies (SIGKILL) before its relay ran."""
    stack = api.stack
    players = api.customers(3, "norelay")
    stack.stop("mission-0")
    stack.start("mission", roles="http,consumer")
    stack.wait_ready(["mission"])
    try:
        await api.achieve_many(players, per_customer=4)
        pending = await _unsent_outbox_rows(stack)
        assert pending >= 12
        stack.stop("mission-0", sig=signal.SIGKILL)
    finally:
        stack.start("mission")
        stack.wait_ready(["mission"])
    await api.wait_settled(players, achievements=4)


async def test_a_relay_killed_between_publish_and_mark_republishes_once_in_effect(api):
    """The relay process exits right after Kafka acknowledged a batch and before the rows
    were marked sent: the next relay sends the batch again; consumers absorb it."""
    stack = api.stack
    players = api.customers(3, "relaycrash")
    stack.stop("mission-0")
    stack.start("mission", roles="http,consumer")
    stack.wait_ready(["mission"])
    try:
        accepted = await api.achieve_many(players, per_customer=4)
        faulty = stack.start(
            "mission",
            roles="relay",
            replica="fault",
            env={"QUESTLINE_*_FAULT_RELAY_EXIT_AFTER_PUBLISH": "true"},
        )
        assert await asyncio.to_thread(faulty.popen.wait, 60) == 70
        assert await _unsent_outbox_rows(stack) >= 12  # published, yet not marked
    finally:
        stack.processes["mission-fault"].wanted = False
        stack.stop("mission-0")
        stack.start("mission")
        stack.wait_ready(["mission"])
    await api.wait_settled(players, achievements=4)
    ids = {a["id"] for a in accepted}
    counts = await asyncio.to_thread(
        _count_by_correlation, stack.kafka.bootstrap, "mission.events", ids
    )
    assert all(counts[i] >= 2 for i in ids), "each MissionAchieved went out twice"


async def test_the_same_event_published_twice_has_one_effect(api):
    [player] = api.customers(1, "dup")
    achievement = (await api.achieve(player)).json()
    await api.wait_settled([player], achievements=1)
    bootstrap = api.stack.kafka.bootstrap
    [original] = [
        r
        for r in await asyncio.to_thread(_read_topic, bootstrap, "mission.events")
        if r[1].get("ce_correlationid") == achievement["id"].encode()
        and r[1].get("ce_type") == MissionAchieved.TYPE.encode()
    ]
    key, headers, value = original
    # The very same record again, and a re-publication under a new event id.
    twin = {**headers, "ce_id": str(uuid.uuid4()).encode()}
    _send_raw(bootstrap, "mission.events", [(key, headers, value), (key, twin, value)])
    marker = (await api.achieve(player)).json()  # a later event, to know the twins passed
    await api.wait_settled([player], achievements=2)
    assert marker["id"] != achievement["id"]
    await api.assert_invariants(player, achievements=2)


async def test_a_poison_message_lands_in_the_dlq_and_later_messages_are_processed(api):
    [player] = api.customers(1, "poison")
    marker = uuid.uuid4().hex
    producer = Producer({"bootstrap.servers": api.stack.kafka.bootstrap})
    producer.produce(
        "mission.events",
        b"{not json",
        player.encode(),
        headers=[("ce_id", marker.encode()), ("ce_type", b"nonsense")],
    )
    assert producer.flush(10) == 0
    good = await api.achieve(player)
    assert good.status_code == 201
    await api.wait_settled([player], achievements=1)
    dead = await asyncio.to_thread(_dlq_groups_for, api.stack.kafka.bootstrap, marker)
    assert "questline.reward" in dead  # every consumer group dead-letters its own copy


# --- helpers ------------------------------------------------------------------------


def _send_raw(bootstrap: str, topic: str, records) -> None:  # type: ignore[no-untyped-def]
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for key, headers, value in records:
        producer.produce(topic, value, key, headers=list(headers.items()))
    assert producer.flush(30) == 0


async def _unsent_outbox_rows(stack) -> int:  # type: ignore[no-untyped-def]
    database = Database(stack.database_urls["mission"], pool_size=1)
    try:
        async with database.connection() as conn:
            q = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
            return int(await conn.fetchval(q))
    finally:
        await database.close()


def _count_by_correlation(bootstrap: str, topic: str, ids: set[str]) -> dict[str, int]:
    counts = dict.fromkeys(ids, 0)
    for _key, headers, _value in _read_topic(bootstrap, topic):
        cid = headers.get("ce_correlationid", b"").decode()
        if cid in counts and headers.get("ce_type") == MissionAchieved.TYPE.encode():
            counts[cid] += 1
    return counts


def _dlq_groups_for(bootstrap: str, marker: str) -> set[str]:
    groups: set[str] = set()
    for _ in range(40):  # until both consumer groups have dead-lettered their copy
        groups = {
            h.get("dlq_consumer_group", b"").decode()
            for _k, h, _v in _read_topic(bootstrap, "mission.events.dlq")
            if h.get("ce_id") == marker.encode()
        }
        if {"questline.reward", "questline.mypage"} <= groups:
            break
    return groups


Record = tuple[bytes | None, dict[str, bytes], bytes | None]


def _read_topic(bootstrap: str, topic: str) -> list[Record]:
    """Every record (key, headers, value) on `topic`, from the beginning to its end."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": uuid.uuid4().hex,
            "auto.offset.reset": "earliest",
            "enable.partition.eof": True,
        }
    )
    consumer.subscribe([topic])
    found: list[Record] = []
    eof: set[int] = set()
    try:
        partitions = None
        while partitions is None or len(eof) < partitions:
            for m in consumer.consume(500, 1.0):
                if m.error() is not None:
                    if m.error().code() == -191:  # _PARTITION_EOF
                        eof.add(m.partition())
                    continue
                found.append((m.key(), dict(m.headers() or []), m.value()))
            assignment = consumer.assignment()
            if assignment:
                partitions = len(assignment)
    finally:
        consumer.close()
    return found
