"""The envelope speaks CloudEvents 1.0 Kafka binary mode: held to the CloudEvents SDK
in both directions, and anything else is poison."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from questline.contracts.events import RewardIssued
from questline.service_kit.envelope import PoisonMessage, from_record, to_record

ISSUED = RewardIssued(
    reward_id="rw-1",
    mission_id="m-1",
    customer_id="alice",
    points=50,
    issued_at=datetime(2026, 12, 2, 8, 0, tzinfo=UTC),
)


def _pairs(headers: dict[str, str]) -> list[tuple[str, bytes]]:
    return [(name, value.encode()) for name, value in headers.items()]


def test_a_record_we_write_is_a_cloudevent_the_sdk_reads():
    record = to_record(ISSUED, "/questline/reward", "cause-1")
    message = ce_kafka.KafkaMessage(
        headers=dict(_pairs(record.headers)), key=record.key.encode(), value=record.value
    )
    event = ce_kafka.from_binary(message, JSONFormat(), CloudEvent)
    assert event.get_id() == record.event_id
    assert event.get_type() == "questline.reward.issued.v1"
    assert event.get_source() == "/questline/reward"
    assert event.get_datacontenttype() == "application/json"
    assert event.get_extension("correlationid") == "m-1"
    assert event.get_extension("causationid") == "cause-1"
    assert event.get_time() is not None and event.get_time().tzinfo is not None
    assert record.key == "alice" and record.topic == "reward.events"


def test_a_record_the_sdk_writes_is_an_event_we_read():
    attributes = {
        "id": "ev-1",
        "source": "/elsewhere",
        "type": RewardIssued.TYPE,
        "time": datetime(2026, 12, 2, 9, 30, tzinfo=UTC),
        "datacontenttype": "application/json",
        "correlationid": "m-1",
    }
    message = ce_kafka.to_binary(
        CloudEvent(attributes, ISSUED.to_json_bytes()), JSONFormat(), lambda _e: "alice"
    )
    event = from_record(
        "reward.events", 2, 7, b"alice", list(message.headers.items()), message.value
    )
    assert (event.id, event.type, event.source) == ("ev-1", RewardIssued.TYPE, "/elsewhere")
    assert event.time == datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    assert event.correlation_id == "m-1" and event.causation_id is None
    assert event.data == ISSUED
    assert (event.topic, event.partition, event.offset) == ("reward.events", 2, 7)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"ce_specversion": b"0.3"}, "specversion '0.3' is not 1.0"),
        ({"ce_specversion": None}, "missing specversion"),
        ({"ce_id": None}, "missing id"),
        ({"ce_id": b""}, "missing id"),
        ({"ce_source": None, "ce_type": None}, "missing source, type"),
        ({"ce_type": b"questline.reward.issued.v9"}, "questline.reward.issued.v9"),
        ({"ce_time": b"yesterday"}, "time"),
        ({"ce_source": b"\xff"}, "UTF-8"),
    ],
)
def test_a_record_that_breaks_the_envelope_is_poison(change, reason):
    headers = dict(_pairs(to_record(ISSUED, "/questline/reward", None).headers)) | change
    with pytest.raises(PoisonMessage, match=reason):
        from_record("reward.events", 0, 0, b"alice", list(headers.items()), ISSUED.to_json_bytes())


def test_a_record_without_headers_or_value_is_poison():
    with pytest.raises(PoisonMessage):
        from_record("reward.events", 0, 0, None, None, b"{}")
    headers = _pairs(to_record(ISSUED, "/questline/reward", None).headers)
    with pytest.raises(PoisonMessage):
        from_record("reward.events", 0, 0, None, headers, None)


def test_data_that_breaks_the_contract_is_poison():
    headers = _pairs(to_record(ISSUED, "/questline/reward", None).headers)
    with pytest.raises(PoisonMessage, match="points"):
        from_record("reward.events", 0, 0, None, headers, b'{"rewardId": "r", "points": "x"}')


def test_an_attribute_given_twice_is_poison():
    headers = _pairs(to_record(ISSUED, "/questline/reward", None).headers)
    headers.append(("ce_id", b"another-id"))
    with pytest.raises(PoisonMessage, match="ce_id given twice"):
        from_record("reward.events", 0, 0, None, headers, ISSUED.to_json_bytes())
