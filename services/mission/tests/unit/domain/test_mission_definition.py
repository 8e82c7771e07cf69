"""The mission catalogue: when a mission is open, and what a revision may change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from questline.mission.domain.errors import InvalidMissionWindow, MissionNotOpen
from questline.mission.domain.mission import MissionDefinition

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def boss_fight(**window: datetime | bool | None) -> MissionDefinition:
    return MissionDefinition("event-boss", "Defeat the live event boss", 300, **window)  # type: ignore[arg-type]


def test_an_active_mission_without_a_window_is_open_at_any_time() -> None:
    assert boss_fight().is_open(NOW)
    assert boss_fight().is_open(datetime(1999, 1, 1, tzinfo=UTC))


def test_an_inactive_mission_is_never_open() -> None:
    mission = boss_fight(active=False)

    assert not mission.is_open(NOW)
    with pytest.raises(MissionNotOpen):
        mission.ensure_open(NOW)


@pytest.mark.parametrize(
    ("now", "is_open"),
    [
        (NOW - HOUR - timedelta(microseconds=1), False),
        (NOW - HOUR, True),
        (NOW, True),
        (NOW + HOUR - timedelta(microseconds=1), True),
        (NOW + HOUR, False),
    ],
)
def test_a_window_opens_at_its_start_and_closes_at_its_end(now: datetime, is_open: bool) -> None:
    assert boss_fight(starts_at=NOW - HOUR, ends_at=NOW + HOUR).is_open(now) is is_open


def test_a_window_with_only_an_end_is_open_until_then() -> None:
    mission = boss_fight(ends_at=NOW)

    assert mission.is_open(NOW - HOUR)
    assert not mission.is_open(NOW)


@pytest.mark.parametrize("ends_at", [NOW - HOUR, NOW])
def test_a_window_that_does_not_end_after_it_starts_is_refused(ends_at: datetime) -> None:
    with pytest.raises(InvalidMissionWindow):
        boss_fight(starts_at=NOW, ends_at=ends_at)


def test_a_revision_changes_only_what_it_names() -> None:
    mission = boss_fight(starts_at=NOW - HOUR, ends_at=NOW + HOUR)

    mission.revise(points=500)

    assert mission == MissionDefinition(
        "event-boss", "Defeat the live event boss", 500, True, NOW - HOUR, NOW + HOUR
    )


def test_deactivating_a_mission_closes_it() -> None:
    mission = boss_fight()

    mission.revise(active=False)

    assert not mission.is_open(NOW)


def test_clearing_the_window_opens_the_mission_at_any_time() -> None:
    mission = boss_fight(starts_at=NOW + HOUR, ends_at=NOW + 2 * HOUR)

    mission.revise(clear_window=True)

    assert (mission.starts_at, mission.ends_at) == (None, None)
    assert mission.is_open(NOW)


def test_a_revision_keeps_the_window_rule() -> None:
    mission = boss_fight(starts_at=NOW, ends_at=NOW + HOUR)

    with pytest.raises(InvalidMissionWindow):
        mission.revise(starts_at=NOW + 2 * HOUR)


def test_a_refused_revision_leaves_the_mission_as_it_was() -> None:
    mission = boss_fight(starts_at=NOW, ends_at=NOW + HOUR)
    before = MissionDefinition(
        mission.code, mission.title, mission.points, mission.active, NOW, NOW + HOUR
    )

    with pytest.raises(InvalidMissionWindow):
        mission.revise(title="Renamed", starts_at=NOW + 2 * HOUR)

    assert mission == before
