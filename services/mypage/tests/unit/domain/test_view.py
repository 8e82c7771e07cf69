"""My Page folds: events from four topics arrive in any order and maybe twice, and the
page the player sees must not depend on either."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from questline.mypage.domain.view import MyPage

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
Fold = Callable[[MyPage], None]


def achieved(p: MyPage) -> None:
    p.mission_achieved("ach-1", "first-win", "Win your first match", 50, T0)


def linked(p: MyPage) -> None:
    p.reward_linked("ach-1", "rw-1")


def issued(p: MyPage) -> None:
    p.reward_issued("rw-1", "ach-1", T0 + timedelta(seconds=1))


def deposited(p: MyPage) -> None:
    p.reward_deposited("rw-1", "ach-1", 50, T0 + timedelta(seconds=2))


def wallet_exchanged(p: MyPage) -> None:
    p.reward_exchanged("rw-1", "gift-potion", "ex-1", T0 + timedelta(minutes=5))


def reward_exchanged(p: MyPage) -> None:
    p.reward_marked_exchanged("rw-1")


THE_WHOLE_STORY = [achieved, linked, issued, deposited, wallet_exchanged, reward_exchanged]


def page_after(folds: Iterable[Fold]) -> MyPage:
    page = MyPage("alice")
    for fold in folds:
        fold(page)
    return page


def seen(page: MyPage) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return page.visible_missions(), page.visible_wallet()


def test_the_whole_story_shows_the_mission_its_reward_status_and_the_gift() -> None:
    missions, wallet = seen(page_after(THE_WHOLE_STORY))

    assert missions == [
        {
            "mission_id": "ach-1",
            "mission_code": "first-win",
            "mission_title": "Win your first match",
            "points": 50,
            "achieved_at": "2025-05-01T12:00:00Z",
            "reward_id": "rw-1",
            "reward_status": "EXCHANGED",
        }
    ]
    assert wallet == [
        {
            "reward_id": "rw-1",
            "mission_id": "ach-1",
            "points": 50,
            "status": "EXCHANGED",
            "deposited_at": "2025-05-01T12:00:02Z",
            "gift_id": "gift-potion",
            "gift_name": None,
            "exchange_id": "ex-1",
            "exchanged_at": "2025-05-01T12:05:00Z",
        }
    ]


def test_every_order_of_the_same_events_shows_the_same_page() -> None:
    expected = page_after(THE_WHOLE_STORY)

    for order in itertools.permutations(THE_WHOLE_STORY):
        page = page_after(order)
        assert seen(page) == seen(expected)
        assert page.to_document() == expected.to_document()


def test_every_event_applied_twice_changes_nothing() -> None:
    once = page_after(THE_WHOLE_STORY)

    for order in (THE_WHOLE_STORY * 2, [f for f in THE_WHOLE_STORY for _ in range(2)]):
        assert page_after(order).to_document() == once.to_document()


def test_a_late_reward_issued_never_undoes_exchanged() -> None:
    page = page_after([achieved, linked, reward_exchanged, issued])

    assert page.visible_missions()[0]["reward_status"] == "EXCHANGED"


def test_a_late_deposit_never_makes_an_exchanged_reward_available_again() -> None:
    page = page_after([wallet_exchanged, deposited])

    [entry] = page.visible_wallet()
    assert (entry["status"], entry["gift_id"]) == ("EXCHANGED", "gift-potion")


@pytest.mark.parametrize(
    "before", [[linked], [linked, issued, reward_exchanged]], ids=["link", "link-and-reward"]
)
def test_a_mission_shows_only_once_its_mission_achieved_arrived(before: list[Fold]) -> None:
    page = page_after(before)
    assert page.visible_missions() == []

    achieved(page)

    [mission] = page.visible_missions()
    assert (mission["mission_code"], mission["reward_id"]) == ("first-win", "rw-1")


def test_a_wallet_entry_shows_only_once_deposited() -> None:
    page = page_after([wallet_exchanged, issued, reward_exchanged])
    assert page.visible_wallet() == []

    deposited(page)

    assert [w["reward_id"] for w in page.visible_wallet()] == ["rw-1"]


def test_a_mission_without_its_reward_yet_has_no_reward_status() -> None:
    [mission] = page_after([achieved]).visible_missions()

    assert (mission["reward_id"], mission["reward_status"]) == (None, None)


def test_a_known_title_survives_an_event_without_one() -> None:
    page = page_after([achieved])

    page.mission_achieved("ach-1", "first-win", None, 50, T0)

    assert page.visible_missions()[0]["mission_title"] == "Win your first match"


def test_missions_and_wallet_are_listed_newest_first() -> None:
    page = MyPage("alice")
    for n in range(3):
        at = T0 + timedelta(hours=n)
        page.mission_achieved(f"ach-{n}", "daily-login", None, 10, at)
        page.reward_deposited(f"rw-{n}", f"ach-{n}", 10, at)

    assert [m["mission_id"] for m in page.visible_missions()] == ["ach-2", "ach-1", "ach-0"]
    assert [w["reward_id"] for w in page.visible_wallet()] == ["rw-2", "rw-1", "rw-0"]


def test_a_gift_name_shows_on_every_entry_of_that_gift_and_no_other() -> None:
    page = page_after(THE_WHOLE_STORY)
    page.reward_deposited("rw-2", "ach-2", 10, T0)
    page.reward_exchanged("rw-2", "gift-potion", "ex-2", T0 + timedelta(minutes=6))
    page.reward_deposited("rw-3", "ach-3", 10, T0)
    page.reward_exchanged("rw-3", "gift-skin", "ex-3", T0 + timedelta(minutes=7))

    page.gift_named("gift-potion", "Health potion pack")

    assert {w["reward_id"]: w["gift_name"] for w in page.visible_wallet()} == {
        "rw-1": "Health potion pack",
        "rw-2": "Health potion pack",
        "rw-3": None,
    }


def test_a_named_gift_keeps_its_name_when_its_exchange_arrives_again() -> None:
    page = page_after(THE_WHOLE_STORY)
    page.gift_named("gift-potion", "Health potion pack")

    wallet_exchanged(page)

    assert page.visible_wallet()[0]["gift_name"] == "Health potion pack"


def test_naming_a_gift_the_page_does_not_show_changes_nothing() -> None:
    page = page_after(THE_WHOLE_STORY)
    before = page.to_document()

    page.gift_named("gift-skin", "Limited hero skin")

    assert page.to_document() == before


def test_a_page_reads_back_from_its_stored_document_unchanged() -> None:
    page = page_after(THE_WHOLE_STORY)

    again = MyPage.from_document("alice", page.to_document(), T0, version=7)

    assert seen(again) == seen(page)
    assert again.to_document() == page.to_document()
    assert (again.updated_at, again.version) == (T0, 7)


def test_the_page_remembers_its_latest_update_whatever_the_order() -> None:
    page = MyPage("alice")

    for at in (T0 + timedelta(minutes=5), T0, T0 + timedelta(minutes=1)):
        page.touched(at)

    assert page.updated_at == T0 + timedelta(minutes=5)


def test_a_stored_document_folds_further_and_saves_in_the_same_shape() -> None:
    stored = {  # as saved by every earlier version: each entry with all its fields
        "missions": {
            "ach-1": {
                "mission_id": "ach-1",
                "mission_code": None,
                "mission_title": None,
                "points": None,
                "achieved_at": None,
                "reward_id": "rw-1",
            }
        },
        "rewards": {},
        "wallet": {},
    }
    page = MyPage.from_document("alice", stored, T0)

    achieved(page)

    assert page.to_document() == page_after([linked, achieved]).to_document()
    assert page.visible_missions()[0]["reward_id"] == "rw-1"


def test_a_loaded_page_saves_only_the_entries_its_folds_touched() -> None:
    page = MyPage.from_document("alice", page_after(THE_WHOLE_STORY).to_document(), T0)
    assert page.changed_entries() == []

    page.mission_achieved("ach-2", "second-win", "Win again", 30, T0)
    page.reward_issued("rw-2", "ach-2", T0)

    assert [(section, key) for section, key, _ in page.changed_entries()] == [
        ("missions", "ach-2"),
        ("rewards", "rw-2"),
    ]
    assert page.changed_entries()[0][2] is page.missions["ach-2"]


def test_naming_a_gift_touches_only_the_entries_that_show_it_without_the_name() -> None:
    named = page_after(THE_WHOLE_STORY)
    named.gift_named("gift-potion", "Potion pack")
    page = MyPage.from_document("alice", named.to_document(), T0)

    page.gift_named("gift-potion", "Potion pack")
    page.gift_named("gift-other", "Another gift")
    assert page.changed_entries() == []

    page.gift_named("gift-potion", "Potion pack (new name)")
    assert [(s, k) for s, k, _ in page.changed_entries()] == [("wallet", "rw-1")]
