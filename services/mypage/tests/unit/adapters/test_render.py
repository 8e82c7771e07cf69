"""The page as the player's app reads it (GET and every streamed message): camelCase,
each wallet entry with its gift's name, or null while the name is not known."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from questline.mypage.adapters.inbound.schemas import MyPageResponse, render
from questline.mypage.domain.view import MyPage

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def exchanged_twice() -> MyPage:
    page = MyPage("alice")
    for n, gift in ((1, "gift-potion"), (2, "gift-skin")):
        page.reward_deposited(f"rw-{n}", f"ach-{n}", 10, T0)
        page.reward_exchanged(f"rw-{n}", gift, f"x-{n}", T0)
    page.touched(T0)
    return page


def test_a_wallet_entry_carries_its_gifts_name_next_to_its_id() -> None:
    page = exchanged_twice()
    page.gift_named("gift-potion", "Health potion pack")

    wallet = json.loads(render(page))["wallet"]

    assert {(w["giftId"], w["giftName"]) for w in wallet} == {
        ("gift-potion", "Health potion pack"),
        ("gift-skin", None),
    }


def test_the_rendered_page_is_the_documented_response() -> None:
    page = exchanged_twice()
    page.gift_named("gift-skin", "Limited hero skin")

    rendered = json.loads(render(page))

    assert rendered == MyPageResponse.of(page).model_dump(mode="json", by_alias=True)
    assert set(rendered["wallet"][0]) == {
        "rewardId",
        "missionId",
        "points",
        "status",
        "depositedAt",
        "giftId",
        "giftName",
        "exchangeId",
        "exchangedAt",
    }
