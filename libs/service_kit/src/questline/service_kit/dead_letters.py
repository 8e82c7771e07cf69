"""Dead letters: records a consumer group parked in `<topic>.dlq`, how they are written
(the original record plus `dlq_*` headers), read back, and replayed to their topic.

A DLQ topic is shared by every group consuming its topic: each group parks its own copy
and names itself in `dlq_consumer_group`, so tools work on one group's letters only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition

ERROR = "dlq_error"
ERROR_TYPE = "dlq_error_type"
SOURCE_TOPIC = "dlq_source_topic"
SOURCE_PARTITION = "dlq_source_partition"
SOURCE_OFFSET = "dlq_source_offset"
CONSUMER_GROUP = "dlq_consumer_group"
_PREFIX = "dlq_"

ERROR_BYTES = 1000


def utf8_prefix(text: str, limit: int) -> bytes:
    """At most `limit` bytes of `text` as UTF-8, never cutting a character in two (a
    header that is not valid UTF-8 would itself be poison to whoever reads the DLQ).
    Lone surrogates, which no UTF-8 can hold, become '?'."""
    return _utf8(text)[:limit].decode("utf-8", "ignore").encode()


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "replace")


Header = tuple[str, str | bytes | None]


def parking_headers(message: Message, reason: str, error_type: str, group: str) -> list[Header]:
    """The headers of a parked record: its own, untouched (a replay sends them back as
    they were), then why and where from, all valid UTF-8."""
    parked = [
        (ERROR, utf8_prefix(reason, ERROR_BYTES)),  # the only one of unbounded size
        (ERROR_TYPE, _utf8(error_type)),
        (SOURCE_TOPIC, _utf8(message.topic() or "")),
        (SOURCE_PARTITION, _utf8(str(message.partition()))),
        (SOURCE_OFFSET, _utf8(str(message.offset()))),
        (CONSUMER_GROUP, _utf8(group)),
    ]
    return [*_original(message.headers()), *parked]


def _original(headers: dict[str, str | bytes | None] | list[Header] | None) -> list[Header]:
    # Without the dlq_* headers of an earlier parking: they describe that one, not this.
    pairs = list(headers.items()) if isinstance(headers, dict) else headers or []
    return [(name, value) for name, value in pairs if not name.startswith(_PREFIX)]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One parked record, named by where it sits in its DLQ (stable for as long as the
    DLQ keeps it); `event_id` is its `ce_id`, None when the record had none."""

    id: str
    event_id: str | None
    event_type: str | None
    topic: str
    partition: int | None
    offset: int | None
    group: str | None
    parked_at: datetime | None
    error_type: str
    reason: str
    key: bytes | None
    value: bytes | None
    headers: tuple[Header, ...]

    @classmethod
    def of(cls, message: Message) -> DeadLetter:
        dlq, partition, offset = message.topic() or "", message.partition(), message.offset()
        headers = message.headers()
        pairs = list(headers.items()) if isinstance(headers, dict) else headers or []
        # As text, for reading only (the last of a repeated name wins); sent back as bytes.
        text = {k: v.decode("utf-8", "replace") for k, v in pairs if isinstance(v, bytes)}
        _kind, millis = message.timestamp()
        return cls(
            id=f"{dlq}:{partition}:{offset}",
            event_id=text.get("ce_id") or None,
            event_type=text.get("ce_type") or None,
            topic=text.get(SOURCE_TOPIC) or dlq.removesuffix(".dlq"),
            partition=_int(text.get(SOURCE_PARTITION)),
            offset=_int(text.get(SOURCE_OFFSET)),
            group=text.get(CONSUMER_GROUP),
            parked_at=None if millis <= 0 else datetime.fromtimestamp(millis / 1000, UTC),
            error_type=text.get(ERROR_TYPE, ""),
            reason=text.get(ERROR, ""),
            key=message.key(),
            value=message.value(),
            headers=tuple(_original(headers)),
        )

    def named(self, name: str) -> bool:
        return name in (self.id, self.event_id)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "eventId": self.event_id,
            "eventType": self.event_type,
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "consumerGroup": self.group,
            "parkedAt": self.parked_at.isoformat().replace("+00:00", "Z")
            if self.parked_at
            else None,
            "errorType": self.error_type,
            "reason": self.reason,
            "key": None if self.key is None else self.key.decode("utf-8", "replace"),
            "value": None if self.value is None else self.value.decode("utf-8", "replace"),
        }


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and text.isascii() and text.isdigit() else None


def read(
    bootstrap: str, dlq_topics: Sequence[str], group: str, timeout_s: float = 30.0
) -> list[DeadLetter]:
    """Every letter `group` parked in `dlq_topics`, oldest first: read from the beginning
    of each partition to its end as of now, then stop. No group is joined and nothing is
    committed, so reading never moves anyone's position."""
    reader = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"{group}.dlq-reader",  # required by the client, never joined
            "enable.auto.commit": False,
            "client.id": f"{group}.dlq-reader",
        }
    )
    try:
        ends = _ends(reader, dlq_topics, timeout_s)
        reader.assign([TopicPartition(t, p, low) for (t, p), (low, _high) in ends.items()])
        letters = list(
            _until_ends(reader, {tp: high for tp, (_low, high) in ends.items()}, timeout_s)
        )
    finally:
        reader.close()
    mine = [letter for letter in letters if letter.group == group]
    return sorted(mine, key=lambda d: (d.parked_at or datetime.min.replace(tzinfo=UTC), d.id))


def _ends(
    reader: Consumer, dlq_topics: Sequence[str], timeout_s: float
) -> dict[tuple[str, int], tuple[int, int]]:
    """(low, high) watermarks of each non-empty partition; a DLQ topic that does not exist
    holds nothing (looked up without creating it)."""
    metadata = reader.list_topics(timeout=timeout_s)
    ends = {}
    for name in dlq_topics:
        topic = metadata.topics.get(name)
        if topic is None or topic.error is not None:
            continue
        for partition in topic.partitions:
            low, high = reader.get_watermark_offsets(
                TopicPartition(name, partition), timeout=timeout_s
            )
            if high > low:
                ends[(name, partition)] = (low, high)
    return ends


def _until_ends(
    reader: Consumer, ends: dict[tuple[str, int], int], timeout_s: float
) -> Iterable[DeadLetter]:
    deadline = time.monotonic() + timeout_s
    while ends:
        if time.monotonic() > deadline:
            raise TimeoutError(f"dead letters not read to their end: {sorted(ends)}")
        for message in reader.consume(500, 0.5):
            error = message.error()
            if error is not None:
                if error.fatal():
                    raise KafkaException(error)
                continue  # the client retries by itself; the deadline bounds it
            yield DeadLetter.of(message)
        # By position rather than by the last offset seen: offsets may have gaps.
        where = reader.position([TopicPartition(t, p) for t, p in ends])
        for tp in where:
            if tp.offset >= ends[(tp.topic, tp.partition)]:
                del ends[(tp.topic, tp.partition)]


@dataclass(frozen=True, slots=True)
class Skipped:
    letter: DeadLetter
    why: str


def replayable(letters: Sequence[DeadLetter]) -> tuple[list[DeadLetter], list[Skipped]]:
    """The letters to send back, each event once; the others, with why not. A letter
    without a `ce_id` stays: no inbox could tell its second replay from a new event."""
    chosen: dict[str, DeadLetter] = {}
    skipped = []
    for letter in letters:
        if letter.event_id is None:
            skipped.append(Skipped(letter, "no ce_id: a replay could not be deduplicated"))
        elif letter.event_id in chosen:
            first = chosen[letter.event_id].id
            skipped.append(Skipped(letter, f"same event as {first}, replayed once"))
        else:
            chosen[letter.event_id] = letter
    return list(chosen.values()), skipped


def replay(producer: Producer, letters: Sequence[DeadLetter], timeout_s: float = 30.0) -> None:
    """Send each letter back to its topic and partition with its original key, value and
    headers: the same `ce_id`, so an inbox that already has the event skips it again."""
    failures: list[str] = []

    def delivered(letter: DeadLetter) -> Callable[[KafkaError | None, Message], None]:
        def report(error: KafkaError | None, _message: Message) -> None:
            if error is not None:
                failures.append(f"{letter.id}: {error}")

        return report

    for letter in letters:
        producer.produce(
            letter.topic,
            letter.value,
            letter.key,
            # The partition it was read from keeps it in order with its key's other events
            # even if the original producer hashed keys differently from this one.
            partition=-1 if letter.partition is None else letter.partition,
            headers=list(letter.headers),
            on_delivery=delivered(letter),
        )
    remaining = producer.flush(timeout_s)
    if remaining or failures:
        raise RuntimeError(f"replay not acknowledged: {remaining} pending; " + "; ".join(failures))
