"""The registry: every CloudEvents type maps to exactly one model on a known topic."""

from __future__ import annotations

import pytest

from questline.contracts import (
    ALL_TOPICS,
    EVENT_TYPES,
    TOPICS,
    ContractError,
    EventData,
    InvalidEventData,
    UnknownEventType,
    dlq_topic,
    events,
    parse,
)


def test_every_event_model_is_registered_once_under_its_type() -> None:
    models = [
        value
        for value in vars(events).values()
        if isinstance(value, type) and issubclass(value, EventData) and value is not EventData
    ]
    assert sorted(EVENT_TYPES) == sorted(model.TYPE for model in models)
    assert all(EVENT_TYPES[model.TYPE] is model for model in models)


def test_every_type_is_versioned_and_published_on_a_known_topic() -> None:
    for type_, model in EVENT_TYPES.items():
        assert type_.startswith("questline.") and type_.rsplit(".", 1)[1].startswith("v")
        assert model.TOPIC in TOPICS
        assert type_.split(".")[1] == model.TOPIC.split(".")[0]  # the producer owns the topic


def test_every_sample_event_is_a_registered_type(sample_events: tuple[EventData, ...]) -> None:
    assert sorted(e.TYPE for e in sample_events) == sorted(EVENT_TYPES)


def test_parse_reads_every_event_by_its_type(event: EventData) -> None:
    assert parse(event.TYPE, event.to_json_bytes()) == event


def test_an_unknown_type_raises_unknown_event_type() -> None:
    with pytest.raises(UnknownEventType) as raised:
        parse("questline.mission.achieved.v9", b"{}")
    assert raised.value.type_ == "questline.mission.achieved.v9"
    assert isinstance(raised.value, ContractError)


def test_data_that_breaks_the_contract_raises_invalid_event_data() -> None:
    with pytest.raises(InvalidEventData) as raised:
        parse("questline.gift.stock-changed.v1", b'{"giftId": "g-1", "stock": 1}')
    assert raised.value.problems == ("name: Field required",)
    assert isinstance(raised.value, ContractError)


def test_every_topic_has_a_dead_letter_topic() -> None:
    assert TOPICS == ("mission.events", "reward.events", "wallet.events", "gift.events")
    assert dlq_topic("gift.events") == "gift.events.dlq"
    assert set(ALL_TOPICS) == set(TOPICS) | {f"{topic}.dlq" for topic in TOPICS}
    assert len(ALL_TOPICS) == 2 * len(TOPICS)
