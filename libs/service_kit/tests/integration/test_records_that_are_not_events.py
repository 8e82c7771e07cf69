"""A record that is not an event this consumer can read goes to the DLQ with a clear
reason, as it came (no id made up for it), and never reaches a handler; the events
after it are still applied. On a real broker and a real database."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from questline.contracts.events import MissionAchieved, RewardIssued, RewardMarkedExchanged
from questline.devstack.testing import eventually
from questline.service_kit import dead_letters
from questline.service_kit.envelope import to_record

from .conftest import inbox
from .consuming import (
    Running,
    as_item,
    count_effects,
    equals,
    make_consumer,
    read_all,
    record,
    recording_apply,
    send,
)

pytestmark = pytest.mark.integration

Headers = dict[str, bytes]


def achieved_headers(change: Callable[[Headers], None]) -> tuple[bytes, Headers, bytes]:
    """A valid MissionAchieved record, then `change` applied to its headers."""
    valid = record()
    headers = {name: value.encode() for name, value in valid.headers.items()}
    change(headers)
    return valid.key.encode(), headers, valid.value


async def parked(
    infra, engine, database, topic: str, poison: tuple[bytes, Headers, bytes]
) -> Headers:  # type: ignore[no-untyped-def]
    """Send `poison`, then a valid event of the same key (so after it); once the valid
    one is applied, check the poison had no effect and return its dead letter's headers."""
    good = record()
    key, headers, value = poison
    send(infra.bootstrap, topic, [(key, list(headers.items()), value), as_item(good)])
    running = Running(make_consumer(infra, database, topic, recording_apply()))
    try:
        await eventually(lambda: equals(count_effects(engine, good.event_id), 1))
        dead = await asyncio.to_thread(read_all, infra.bootstrap, f"{topic}.dlq", 1)
    finally:
        await running.stop()
    assert len(dead) == 1
    assert await count_effects(engine) == 1  # the valid event's, nothing else
    async with engine.connect() as conn:
        inboxed = set((await conn.execute(select(inbox.c.event_id))).scalars())
    assert inboxed == {good.event_id}
    letter: Headers = dead[0]
    assert letter[dead_letters.ERROR_TYPE] == b"PoisonMessage"
    assert letter[dead_letters.SOURCE_TOPIC] == topic.encode()
    assert letter[dead_letters.CONSUMER_GROUP]
    return letter


async def test_a_record_without_an_id_is_parked_as_it_came_and_never_given_one(
    infra, engine, database, topic
):
    letter = await parked(
        infra, engine, database, topic, achieved_headers(lambda h: h.pop("ce_id"))
    )
    assert "missing id" in letter[dead_letters.ERROR].decode()
    assert "ce_id" not in letter


async def test_a_record_without_a_source_is_parked_with_the_reason(infra, engine, database, topic):
    letter = await parked(
        infra, engine, database, topic, achieved_headers(lambda h: h.pop("ce_source"))
    )
    assert "missing source" in letter[dead_letters.ERROR].decode()


async def test_a_record_without_a_type_is_parked_with_the_reason(infra, engine, database, topic):
    letter = await parked(
        infra, engine, database, topic, achieved_headers(lambda h: h.pop("ce_type"))
    )
    assert "missing type" in letter[dead_letters.ERROR].decode()


async def test_a_record_without_a_specversion_is_parked_with_the_reason(
    infra, engine, database, topic
):
    letter = await parked(
        infra, engine, database, topic, achieved_headers(lambda h: h.pop("ce_specversion"))
    )
    assert "missing specversion" in letter[dead_letters.ERROR].decode()


async def test_a_record_of_another_specversion_is_parked_with_the_reason(
    infra, engine, database, topic
):
    letter = await parked(
        infra,
        engine,
        database,
        topic,
        achieved_headers(lambda h: h.update(ce_specversion=b"0.3")),
    )
    assert "specversion '0.3' is not 1.0" in letter[dead_letters.ERROR].decode()


async def test_a_record_of_a_type_no_contract_knows_is_parked_with_the_reason(
    infra, engine, database, topic
):
    letter = await parked(
        infra,
        engine,
        database,
        topic,
        achieved_headers(lambda h: h.update(ce_type=b"questline.mission.achieved.v9")),
    )
    assert "unknown event type: 'questline.mission.achieved.v9'" in (
        letter[dead_letters.ERROR].decode()
    )


async def test_a_known_type_this_consumer_does_not_take_off_its_own_topic_is_parked(
    infra, engine, database, topic
):
    letter = await parked(
        infra,
        engine,
        database,
        topic,
        achieved_headers(lambda h: h.update(ce_type=RewardIssued.TYPE.encode())),
    )
    assert f"{RewardIssued.TYPE!r} does not travel on {topic!r}" in (
        letter[dead_letters.ERROR].decode()
    )


async def test_data_that_is_not_json_is_parked_with_the_reason(infra, engine, database, topic):
    key, headers, _value = achieved_headers(lambda h: None)
    letter = await parked(infra, engine, database, topic, (key, headers, b"{not json"))
    reason = letter[dead_letters.ERROR].decode()
    assert f"invalid data for {MissionAchieved.TYPE}" in reason and "JSON" in reason


async def test_json_that_breaks_the_contract_is_parked_with_the_reason(
    infra, engine, database, topic
):
    key, headers, _value = achieved_headers(lambda h: None)
    poison = (key, headers, b'{"missionId": "m-1", "customerId": "c-1", "points": "many"}')
    letter = await parked(infra, engine, database, topic, poison)
    reason = letter[dead_letters.ERROR].decode()
    assert f"invalid data for {MissionAchieved.TYPE}" in reason and "points" in reason


async def test_an_attribute_given_twice_is_parked_with_the_reason(infra, engine, database, topic):
    key, headers, value = achieved_headers(lambda h: None)
    twice = [*headers.items(), ("ce_type", RewardMarkedExchanged.TYPE.encode())]
    good = record()
    send(infra.bootstrap, topic, [(key, twice, value), as_item(good)])
    running = Running(make_consumer(infra, database, topic, recording_apply()))
    try:
        await eventually(lambda: equals(count_effects(engine, good.event_id), 1))
        dead = await asyncio.to_thread(read_all, infra.bootstrap, f"{topic}.dlq", 1)
    finally:
        await running.stop()
    assert "ce_type given twice" in dead[0][dead_letters.ERROR].decode()
    assert await count_effects(engine) == 1


async def test_a_type_another_consumer_takes_on_its_own_topic_is_ignored_not_parked(
    infra, engine, database
):
    # On the real reward.events (RewardMarkedExchanged's own topic), by a fresh group.
    group = uuid.uuid4().hex
    marked = RewardMarkedExchanged(
        reward_id=str(uuid.uuid4()),
        customer_id="c-1",
        gift_id="g-1",
        exchanged_at=datetime.now(UTC),
    )
    other = to_record(marked, "/test", None)
    mine = record()  # a type this consumer takes, after it on the same key
    send(infra.bootstrap, "reward.events", [as_item(other), as_item(mine)])
    consumer = make_consumer(infra, database, "reward.events", recording_apply(), group=group)
    running = Running(consumer)
    try:
        await eventually(lambda: equals(count_effects(engine, mine.event_id), 1))
    finally:
        await running.stop()
    parked_here = await asyncio.to_thread(
        dead_letters.read, infra.bootstrap, ["reward.events.dlq"], group
    )
    assert [d for d in parked_here if d.event_id == other.event_id] == []


async def test_dead_letter_headers_are_utf8_whatever_the_error_says(infra, engine, database, topic):
    bad = record()
    # A long message of multi-byte characters, and a lone surrogate no UTF-8 can hold.
    message = "\ud800 " + "🎁" * 2000
    send(infra.bootstrap, topic, [as_item(bad)])
    apply = recording_apply(lambda e: ValueError(message) if e.id == bad.event_id else None)
    running = Running(make_consumer(infra, database, topic, apply))
    try:
        dead = await asyncio.to_thread(read_all, infra.bootstrap, f"{topic}.dlq", 1)
    finally:
        await running.stop()
    assert len(dead) == 1
    for name, value in dead[0].items():
        if name.startswith("dlq_"):
            value.decode("utf-8")  # strict: raises on anything that is not UTF-8
    assert len(dead[0][dead_letters.ERROR]) <= dead_letters.ERROR_BYTES
    assert dead[0][dead_letters.ERROR].decode().startswith("? 🎁")
