"""CloudEvents 1.0 in Kafka binary mode, through the CloudEvents SDK.

Outgoing: a contract model becomes headers (`ce_*`), key (the customer id) and a JSON
value, built when the event is written to the outbox, so the relay only copies bytes.
Incoming: headers are validated by the SDK, the data by the contract model.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.exceptions import BaseCloudEventException
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from questline.contracts.events import EventData
from questline.contracts.registry import ContractError, parse

CONTENT_TYPE = "application/json"


class _RawDataFormat(JSONFormat):
    """Leaves the data as bytes: the contract model parses and validates it once."""

    def read_data(self, body: bytes, datacontenttype: str | None) -> Any:
        return body


_WRITE_FORMAT = JSONFormat()
_READ_FORMAT = _RawDataFormat()


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    """One Kafka record ready to send: what an outbox row holds."""

    event_id: str
    topic: str
    key: str
    headers: dict[str, str]
    value: bytes


def to_record(
    data: EventData, source: str, causation_id: str | None, event_id: str | None = None
) -> OutgoingRecord:
    event_id = event_id or str(uuid.uuid4())
    attributes: dict[str, Any] = {
        "id": event_id,
        "source": source,
        "type": data.TYPE,
        "time": datetime.now(UTC),
        "datacontenttype": CONTENT_TYPE,
        "correlationid": data.correlation_id(),
    }
    if causation_id:
        attributes["causationid"] = causation_id
    message = ce_kafka.to_binary(
        CloudEvent(attributes, data.to_json_bytes()), _WRITE_FORMAT, lambda _e: data.key()
    )
    headers = {name: value.decode() for name, value in message.headers.items()}
    return OutgoingRecord(event_id, data.TOPIC, data.key(), headers, message.value)


class PoisonMessage(Exception):
    """A record no retry can cure: not a CloudEvent, unknown type version, invalid data."""


@dataclass(frozen=True, slots=True)
class IncomingEvent:
    id: str
    type: str
    source: str
    time: datetime | None
    correlation_id: str | None
    causation_id: str | None
    data: EventData
    topic: str
    partition: int
    offset: int


def from_record(
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    headers: Any,
    value: bytes | None,
) -> IncomingEvent:
    if not headers or value is None:
        raise PoisonMessage("record has no CloudEvents headers or no value")
    try:
        pairs = headers.items() if isinstance(headers, dict) else headers
        message = ce_kafka.KafkaMessage(
            headers={k: v if isinstance(v, bytes) else str(v).encode() for k, v in pairs},
            key=key,
            value=value,
        )
        event = ce_kafka.from_binary(message, _READ_FORMAT, CloudEvent)
    except (BaseCloudEventException, UnicodeDecodeError, ValueError, KeyError) as error:
        raise PoisonMessage(f"not a valid CloudEvent: {error}") from error
    try:
        data = parse(event.get_type(), value)
    except ContractError as error:
        raise PoisonMessage(str(error)) from error
    return IncomingEvent(
        id=event.get_id(),
        type=event.get_type(),
        source=event.get_source(),
        time=event.get_time(),
        correlation_id=event.get_extension("correlationid"),
        causation_id=event.get_extension("causationid"),
        data=data,
        topic=topic,
        partition=partition,
        offset=offset,
    )
