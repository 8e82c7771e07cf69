"""Every service that consumes events has `dlq list` and `dlq replay` on its command
line, reading its own QUESTLINE_<SERVICE>_* settings; the others have no `dlq`.
Run as an operator runs them, against a real broker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from questline.contracts.events import MissionAchieved
from questline.service_kit.envelope import to_record

pytestmark = pytest.mark.integration

# A topic each consuming service reads (its DLQ is where its group parks records).
CONSUMES = {
    "mission": "reward.events",
    "reward": "mission.events",
    "wallet": "gift.events",
    "mypage": "wallet.events",
}


def command(service: str, group: str, bootstrap: str, *argv: str) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    prefix = f"QUESTLINE_{service.upper()}_"
    env = os.environ | {
        f"{prefix}KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        f"{prefix}CONSUMER_GROUP": group,
    }
    return subprocess.run(
        [sys.executable, "-m", f"questline.{service}", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def park(bootstrap: str, topic: str, group: str) -> str:
    """A dead letter of `group`, from partition 0 of `topic`; returns its event id."""
    data = MissionAchieved(
        mission_id=str(uuid.uuid4()),
        customer_id="c-1",
        mission_code="first-win",
        points=10,
        achieved_at=datetime.now(UTC),
    )
    event = to_record(data, "/test", None)
    headers = [(k, v.encode()) for k, v in event.headers.items()] + [
        ("dlq_error", b"ValueError: a bug, since fixed"),
        ("dlq_error_type", b"ValueError"),
        ("dlq_source_topic", topic.encode()),
        ("dlq_source_partition", b"0"),
        ("dlq_source_offset", b"7"),
        ("dlq_consumer_group", group.encode()),
    ]
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    producer.produce(f"{topic}.dlq", event.value, event.key, headers=headers)
    assert producer.flush(30) == 0
    return event.event_id


def ids_from(bootstrap: str, topic: str, offset: int) -> list[str]:
    """The ce_ids on partition 0 of `topic` from `offset` to its end."""
    reader = Consumer({"bootstrap.servers": bootstrap, "group.id": uuid.uuid4().hex})
    try:
        _low, high = reader.get_watermark_offsets(TopicPartition(topic, 0), timeout=30)
        reader.assign([TopicPartition(topic, 0, offset)])
        found: list[str] = []
        position, deadline = offset, time.monotonic() + 30
        while position < high and time.monotonic() < deadline:
            for m in reader.consume(100, 1.0):
                if m.error() is None:
                    found.append(dict(m.headers() or [])["ce_id"].decode())
                    position = (m.offset() or 0) + 1
    finally:
        reader.close()
    return found


def high_watermark(bootstrap: str, topic: str) -> int:
    reader = Consumer({"bootstrap.servers": bootstrap, "group.id": uuid.uuid4().hex})
    try:
        return reader.get_watermark_offsets(TopicPartition(topic, 0), timeout=30)[1]
    finally:
        reader.close()


@pytest.mark.parametrize("service", sorted(CONSUMES))
def test_a_consuming_service_lists_its_own_dead_letters_only(infra, service):
    topic, group = CONSUMES[service], f"questline.{service}.{uuid.uuid4().hex[:8]}"
    event_id = park(infra.bootstrap, topic, group)
    park(infra.bootstrap, topic, f"{group}.someone-else")

    listed = command(service, group, infra.bootstrap, "dlq", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    [letter] = json.loads(listed.stdout)  # nothing else on stdout: logs go to stderr
    assert (letter["eventId"], letter["consumerGroup"]) == (event_id, group)
    assert letter["reason"] == "ValueError: a bug, since fixed"


def test_a_service_replays_the_dead_letter_it_is_given_to_its_topic(infra):
    topic, group = CONSUMES["wallet"], f"questline.wallet.{uuid.uuid4().hex[:8]}"
    event_id = park(infra.bootstrap, topic, group)
    before = high_watermark(infra.bootstrap, topic)
    replayed = command("wallet", group, infra.bootstrap, "dlq", "replay", "--id", event_id)
    assert replayed.returncode == 0, replayed.stderr
    assert f"(event {event_id}, {MissionAchieved.TYPE}) to {topic} partition 0" in (replayed.stdout)
    assert ids_from(infra.bootstrap, topic, before) == [event_id]


@pytest.mark.parametrize("service", ["gift", "auth"])
def test_a_service_that_consumes_no_events_has_no_dlq_commands(service):
    result = command(service, "unused", "127.0.0.1:1", "dlq", "list")
    assert result.returncode == 2 and "invalid choice: 'dlq'" in result.stderr
