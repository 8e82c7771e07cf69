"""`dlq list` and `dlq replay` on a real broker: what a consumer parked is shown with
its reason, and replayed to its topic as it was, where the inbox makes it once-only."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import uuid
from typing import Any

import pytest
from confluent_kafka import Producer

from questline.devstack.testing import eventually
from questline.service_kit import dead_letter_commands, dead_letters
from questline.service_kit.settings import ServiceSettings

from .consuming import (
    Running,
    as_item,
    consumed,
    count_effects,
    equals,
    make_consumer,
    read_topic,
    record,
    recording_apply,
    send,
)

pytestmark = pytest.mark.integration


class MissionNotYetKnown(Exception):
    """What a handler might say about an event that came before its cause."""


def dlq(infra, topic: str, group: str, *argv: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """Run `dlq <argv>` as the command line runs it, for `group` and `topic`; returns the
    exit code and what it printed."""
    parser = argparse.ArgumentParser()
    dead_letter_commands.add_commands(parser.add_subparsers(dest="command"))
    settings = ServiceSettings(
        service="test", kafka_bootstrap_servers=infra.bootstrap, consumer_group=group
    )
    out = io.StringIO()
    code = dead_letter_commands.run(parser.parse_args(["dlq", *argv]), settings, [topic], out)
    return code, out.getvalue()


async def dlq_json(infra, topic: str, group: str, *argv: str) -> Any:  # type: ignore[no-untyped-def]
    code, out = await asyncio.to_thread(dlq, infra, topic, group, *argv, "--json")
    assert code == 0, out
    return json.loads(out)


class BlockedUntilKnown:
    """A consumer whose handler refuses some events until their cause is known."""

    def __init__(self, infra, database, topic: str, blocked: set[str]) -> None:  # type: ignore[no-untyped-def]
        self.group = uuid.uuid4().hex
        self.blocked = blocked

        def fail(event):  # type: ignore[no-untyped-def]
            return MissionNotYetKnown(event.id) if event.id in self.blocked else None

        self.running = Running(
            make_consumer(infra, database, topic, recording_apply(fail), group=self.group)
        )


async def parked_by(infra, topic: str, group: str, count: int) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    async def letters() -> list[dict[str, Any]]:
        found = await dlq_json(infra, topic, group, "list")
        return found if len(found) >= count else []

    return await eventually(letters)


async def test_a_poison_record_is_listed_with_its_reason(infra, engine, database, topic):
    poison = record()
    poison.headers["ce_type"] = "questline.mission.achieved.v9"
    good = record()
    send(infra.bootstrap, topic, [as_item(poison), as_item(good)])
    group = uuid.uuid4().hex
    running = Running(make_consumer(infra, database, topic, recording_apply(), group=group))
    try:
        [letter] = await parked_by(infra, topic, group, 1)
    finally:
        await running.stop()
    assert letter["id"].startswith(f"{topic}.dlq:") and letter["id"].endswith(":0")
    assert (letter["eventId"], letter["eventType"]) == (
        poison.event_id,
        "questline.mission.achieved.v9",
    )
    assert (letter["topic"], letter["offset"], letter["consumerGroup"]) == (topic, 0, group)
    assert letter["errorType"] == "PoisonMessage"
    assert "unknown event type" in letter["reason"] and letter["parkedAt"].endswith("Z")
    code, readable = await asyncio.to_thread(dlq, infra, topic, group, "list")
    assert code == 0
    assert letter["id"] in readable and poison.event_id in readable
    assert f"from    {topic} partition {letter['partition']} offset 0" in readable
    assert f"by {group}" in readable and "PoisonMessage: unknown event type" in readable


async def test_a_replayed_letter_is_applied_once_its_cause_is_gone(infra, engine, database, topic):
    early = record()
    send(infra.bootstrap, topic, [as_item(early)])
    consumer = BlockedUntilKnown(infra, database, topic, {early.event_id})
    try:
        await parked_by(infra, topic, consumer.group, 1)
        assert await count_effects(engine, early.event_id) == 0
        consumer.blocked.clear()  # the mission is known now
        outcome = await dlq_json(infra, topic, consumer.group, "replay")
        assert [r["eventId"] for r in outcome["replayed"]] == [early.event_id]
        await eventually(lambda: equals(count_effects(engine, early.event_id), 1))
    finally:
        await consumer.running.stop()
    assert await count_effects(engine) == 1


async def test_replaying_a_letter_twice_has_one_effect(infra, engine, database, topic):
    early = record()
    send(infra.bootstrap, topic, [as_item(early)])
    consumer = BlockedUntilKnown(infra, database, topic, {early.event_id})
    try:
        await parked_by(infra, topic, consumer.group, 1)
        consumer.blocked.clear()
        await dlq_json(infra, topic, consumer.group, "replay")
        await eventually(lambda: equals(count_effects(engine, early.event_id), 1))
        duplicates = consumed(topic, "duplicate")
        await dlq_json(infra, topic, consumer.group, "replay")
        await eventually(lambda: consumed(topic, "duplicate") == duplicates + 1)
    finally:
        await consumer.running.stop()
    assert await count_effects(engine, early.event_id) == 1
    assert len(read_topic(infra.bootstrap, topic)) == 3  # the event and its two replays


async def test_replay_with_an_id_sends_back_only_that_letter(infra, engine, database, topic):
    first, second = record(), record()
    send(infra.bootstrap, topic, [as_item(first), as_item(second)])
    consumer = BlockedUntilKnown(infra, database, topic, {first.event_id, second.event_id})
    try:
        letters = await parked_by(infra, topic, consumer.group, 2)
        consumer.blocked.clear()
        [chosen] = [d["id"] for d in letters if d["eventId"] == first.event_id]
        outcome = await dlq_json(infra, topic, consumer.group, "replay", "--id", chosen)
        await eventually(lambda: equals(count_effects(engine, first.event_id), 1))
    finally:
        await consumer.running.stop()
    assert [r["id"] for r in outcome["replayed"]] == [chosen]
    on_topic = [
        dict(m.headers() or [])["ce_id"].decode() for m in read_topic(infra.bootstrap, topic)
    ]
    assert sorted(on_topic) == sorted([first.event_id, second.event_id, first.event_id])
    assert await count_effects(engine, second.event_id) == 0


# --- without a consumer: letters parked by hand, as the inbox parks them ---------------


def park(infra, topic: str, group: str, *, source_partition: int = 1, **changes: Any):  # type: ignore[no-untyped-def]
    """Write a dead letter of `group` for a fresh event, as the inbox writes one."""
    event = record()
    headers = {name: value.encode() for name, value in event.headers.items()}
    for name, value in changes.items():
        if value is None:
            headers.pop(name)
        else:
            headers[name] = value
    headers |= {
        dead_letters.ERROR: b"MissionNotYetKnown",
        dead_letters.ERROR_TYPE: b"MissionNotYetKnown",
        dead_letters.SOURCE_TOPIC: topic.encode(),
        dead_letters.SOURCE_PARTITION: str(source_partition).encode(),
        dead_letters.SOURCE_OFFSET: b"41",
        dead_letters.CONSUMER_GROUP: group.encode(),
    }
    producer = Producer({"bootstrap.servers": infra.bootstrap, "enable.idempotence": True})
    producer.produce(f"{topic}.dlq", event.value, event.key, headers=list(headers.items()))
    assert producer.flush(30) == 0
    return event, headers


async def test_letters_parked_by_another_group_are_neither_listed_nor_replayed(infra, topic):
    mine, theirs = uuid.uuid4().hex, uuid.uuid4().hex
    event, _ = park(infra, topic, mine)
    park(infra, topic, theirs)
    assert [d["eventId"] for d in await dlq_json(infra, topic, mine, "list")] == [event.event_id]
    outcome = await dlq_json(infra, topic, mine, "replay")
    assert [r["eventId"] for r in outcome["replayed"]] == [event.event_id]
    assert len(read_topic(infra.bootstrap, topic)) == 1


async def test_a_replayed_record_keeps_its_key_value_headers_and_partition(infra, topic):
    group = uuid.uuid4().hex
    # One key, two source partitions: whatever the key hashes to, one of them differs.
    parked = {}
    for p in (0, 1):
        event, headers = park(infra, topic, group, source_partition=p)
        parked[event.event_id] = (event, headers)
    await dlq_json(infra, topic, group, "replay")
    replayed = read_topic(infra.bootstrap, topic)
    assert len(replayed) == 2
    for message in replayed:
        headers = dict(message.headers() or [])
        event, sent = parked[headers["ce_id"].decode()]
        original = [(k, v) for k, v in sent.items() if not k.startswith("dlq_")]
        assert message.headers() == original  # ce_id and all: the inbox sees the same event
        assert (message.key(), message.value()) == (event.key.encode(), event.value)
        assert message.partition() == int(sent[dead_letters.SOURCE_PARTITION])


async def test_a_letter_without_an_id_is_listed_but_never_replayed(infra, topic):
    group = uuid.uuid4().hex
    park(infra, topic, group, ce_id=None)
    [letter] = await dlq_json(infra, topic, group, "list")
    assert letter["eventId"] is None
    outcome = await dlq_json(infra, topic, group, "replay")
    assert outcome["replayed"] == []
    assert outcome["skipped"] == [
        {"id": letter["id"], "why": "no ce_id: a replay could not be deduplicated"}
    ]
    assert read_topic(infra.bootstrap, topic) == []


async def test_an_event_parked_twice_is_replayed_once(infra, topic):
    group = uuid.uuid4().hex
    event, _ = park(infra, topic, group)
    park(infra, topic, group, ce_id=event.event_id.encode())  # parked again: the same event
    outcome = await dlq_json(infra, topic, group, "replay")
    assert [r["eventId"] for r in outcome["replayed"]] == [event.event_id]
    assert len(outcome["skipped"]) == 1 and "replayed once" in outcome["skipped"][0]["why"]
    assert len(read_topic(infra.bootstrap, topic)) == 1


async def test_replaying_an_unknown_id_sends_nothing_and_fails(infra, topic):
    group = uuid.uuid4().hex
    park(infra, topic, group)
    code, _out = await asyncio.to_thread(
        dlq, infra, topic, group, "replay", "--id", f"{topic}.dlq:0:999"
    )
    assert code == 2
    assert read_topic(infra.bootstrap, topic) == []
