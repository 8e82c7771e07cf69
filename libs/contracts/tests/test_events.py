"""The wire format of event payloads: camelCase JSON, tolerant of additions, strict on types."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from questline.contracts import (
    EventData,
    GiftCatalogued,
    GiftStockChanged,
    InvalidEventData,
    MissionAchieved,
    RewardExchanged,
    RewardIssued,
)


def achieved(**changes: Any) -> bytes:
    data: dict[str, Any] = {
        "missionId": "m-1",
        "customerId": "c-1",
        "missionCode": "LOGIN",
        "points": 10,
        "achievedAt": "2025-05-01T12:30:00Z",
    }
    data.update(changes)
    return json.dumps({k: v for k, v in data.items() if v is not ...}).encode()


def test_every_event_survives_a_round_trip_through_bytes(event: EventData) -> None:
    assert type(event).from_json_bytes(event.to_json_bytes()) == event


def test_every_event_is_camel_case_on_the_wire(event: EventData) -> None:
    wire = json.loads(event.to_json_bytes())
    assert set(wire) == {field.alias for field in type(event).model_fields.values()}
    assert all("_" not in name for name in wire)


def test_events_are_immutable(event: EventData) -> None:
    with pytest.raises(ValueError, match="frozen"):
        event.__setattr__(event.KEY_FIELD, "someone-else")


def test_times_are_written_in_utc_with_a_z() -> None:
    tokyo = timezone(timedelta(hours=9))
    event = RewardIssued(
        reward_id="r-1",
        mission_id="m-1",
        customer_id="c-1",
        points=5,
        issued_at=datetime(2025, 5, 1, 21, 30, tzinfo=tokyo),
    )
    assert json.loads(event.to_json_bytes())["issuedAt"] == "2025-05-01T12:30:00Z"


def test_a_reader_keeps_the_instant_of_a_time_with_an_offset() -> None:
    event = MissionAchieved.from_json_bytes(achieved(achievedAt="2025-05-01T21:30:00+09:00"))
    assert event.achieved_at == datetime(2025, 5, 1, 12, 30, tzinfo=UTC)
    assert event.achieved_at.utcoffset() == timedelta(0)


def test_an_unknown_field_is_ignored() -> None:
    event = MissionAchieved.from_json_bytes(achieved(newField="from a newer producer"))
    assert event.mission_id == "m-1"
    assert b"newField" not in event.to_json_bytes()


def test_the_mission_title_is_optional() -> None:
    assert MissionAchieved.from_json_bytes(achieved()).mission_title is None
    titled = MissionAchieved.from_json_bytes(achieved(missionTitle="Daily login"))
    assert titled.mission_title == "Daily login"


@pytest.mark.parametrize(
    "changes",
    [
        {"points": ...},
        {"missionId": ...},
        {"points": "ten"},
        {"points": "10"},
        {"points": 10.5},
        {"points": True},
        {"points": -1},
        {"customerId": 42},
        {"customerId": ""},
        {"customerId": "c" * 65},
        {"achievedAt": "yesterday"},
        {"achievedAt": 1746102600},
    ],
    ids=lambda changes: ",".join(
        f"{name} missing" if value is ... else f"{name}={value!r:.12}"
        for name, value in changes.items()
    ),
)
def test_a_missing_or_wrongly_typed_field_raises_invalid_event_data(
    changes: dict[str, Any],
) -> None:
    with pytest.raises(InvalidEventData) as raised:
        MissionAchieved.from_json_bytes(achieved(**changes))
    assert raised.value.type_ == MissionAchieved.TYPE
    assert [problem.split(":")[0] for problem in raised.value.problems] == list(changes)


def test_a_naive_datetime_is_rejected_on_the_wire() -> None:
    with pytest.raises(InvalidEventData, match="achievedAt: Input should have timezone info"):
        MissionAchieved.from_json_bytes(achieved(achievedAt="2025-05-01T12:30:00"))


def test_a_naive_datetime_is_rejected_by_a_producer() -> None:
    with pytest.raises(ValueError, match="timezone"):
        RewardIssued(
            reward_id="r-1",
            mission_id="m-1",
            customer_id="c-1",
            points=5,
            issued_at=datetime(2025, 5, 1, 12, 30),
        )


def test_an_id_of_64_characters_is_accepted() -> None:
    assert MissionAchieved.from_json_bytes(achieved(missionId="m" * 64)).key() == "c-1"


def test_a_negative_stock_is_rejected() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        GiftStockChanged(gift_id="g-1", name="Sword", stock=-1)


def test_the_error_message_names_fields_but_not_their_values() -> None:
    with pytest.raises(InvalidEventData) as raised:
        MissionAchieved.from_json_bytes(achieved(customerId="", points="secret-ish"))
    message = str(raised.value)
    assert message.startswith("invalid data for questline.mission.achieved.v1: ")
    assert "customerId" in message and "points" in message
    assert "secret-ish" not in message


def test_bytes_that_are_not_json_raise_invalid_event_data() -> None:
    with pytest.raises(InvalidEventData, match="Invalid JSON"):
        MissionAchieved.from_json_bytes(b"{not json")


def test_the_key_is_the_customer_id_and_the_correlation_is_the_mission_in_issuing() -> None:
    event = MissionAchieved.from_json_bytes(achieved())
    assert (event.key(), event.correlation_id()) == ("c-1", "m-1")


def test_the_exchange_chain_is_correlated_by_the_reward_id() -> None:
    event = RewardExchanged(
        customer_id="c-1",
        reward_id="r-1",
        gift_id="g-1",
        exchange_id="x-1",
        exchanged_at=datetime(2025, 5, 1, tzinfo=UTC),
    )
    assert (event.key(), event.correlation_id()) == ("c-1", "r-1")


def test_a_stock_change_is_keyed_and_correlated_by_the_gift() -> None:
    event = GiftStockChanged(gift_id="g-1", name="Sword", stock=3)
    assert (event.key(), event.correlation_id()) == ("g-1", "g-1")


def test_a_catalogue_entry_is_keyed_and_correlated_by_the_gift() -> None:
    event = GiftCatalogued(gift_id="g-1", name="Sword", stock=3, stocked_total=5)
    assert (event.key(), event.correlation_id()) == ("g-1", "g-1")
    assert json.loads(event.to_json_bytes()) == {
        "giftId": "g-1",
        "name": "Sword",
        "stock": 3,
        "stockedTotal": 5,
    }


@pytest.mark.parametrize(
    "changes",
    [{"name": ""}, {"stockedTotal": -1}, {"stockedTotal": "5"}, {"stock": ...}],
    ids=["empty name", "negative total", "total as text", "stock missing"],
)
def test_a_catalogue_entry_without_a_name_or_with_a_bad_count_breaks_the_contract(
    changes: dict[str, Any],
) -> None:
    data = {"giftId": "g-1", "name": "Sword", "stock": 3, "stockedTotal": 5, **changes}
    with pytest.raises(InvalidEventData):
        GiftCatalogued.from_json_bytes(
            json.dumps({k: v for k, v in data.items() if v is not ...}).encode()
        )


def test_key_and_correlation_id_return_the_declared_fields(event: EventData) -> None:
    assert event.key() == getattr(event, event.KEY_FIELD)
    assert event.correlation_id() == getattr(event, event.CORRELATION_FIELD)


def test_a_model_with_a_mistyped_correlation_field_cannot_be_declared() -> None:
    with pytest.raises(TypeError, match="'mision_id' must be a required str field"):

        class Broken(EventData):
            TYPE = "questline.test.broken.v1"
            TOPIC = "mission.events"
            CORRELATION_FIELD = "mision_id"

            customer_id: str
            mission_id: str
