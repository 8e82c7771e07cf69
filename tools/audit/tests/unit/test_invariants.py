"""Invariants 1-6 on rows made up in memory: a settled system is clean, and each kind of
violation is reported with its ids."""

from __future__ import annotations

from dataclasses import replace

from questline.audit.invariants import (
    check_all,
    every_reward_in_its_wallet,
    no_gift_oversold,
    one_exchange_per_reward,
    one_reward_per_achievement,
    reward_and_wallet_agree,
)
from questline.audit.my_page import my_page_shows_what_services_hold
from questline.audit.report import InvariantResult
from questline.audit.rows import (
    Achievement,
    ExchangeRecord,
    Gift,
    Page,
    PageMission,
    PageWalletEntry,
    Reward,
    Snapshot,
    WalletEntry,
)


def settled() -> Snapshot:
    """alice achieved two missions; she exchanged the second reward for a potion."""
    return Snapshot(
        achievements=[Achievement("m1", "alice", "r1"), Achievement("m2", "alice", "r2")],
        rewards=[
            Reward("r1", "m1", "alice", "ISSUED"),
            Reward("r2", "m2", "alice", "EXCHANGED", "potion"),
        ],
        wallet=[
            WalletEntry("r1", "alice", "AVAILABLE"),
            WalletEntry("r2", "alice", "EXCHANGED", "potion", "x1"),
        ],
        gifts=[Gift("potion", stock=9, stocked_total=10), Gift("mount", 5, 5)],
        exchanges=[ExchangeRecord("x1", "r2", "alice", "potion")],
        pages=[
            Page(
                "alice",
                (PageMission("m1", "r1", "ISSUED"), PageMission("m2", "r2", "EXCHANGED")),
                (
                    PageWalletEntry("r1", "AVAILABLE", None),
                    PageWalletEntry("r2", "EXCHANGED", "potion"),
                ),
            )
        ],
    )


def kinds(result: InvariantResult) -> dict[str, int]:
    return dict(result.totals)


def test_a_settled_system_violates_no_invariant() -> None:
    results = check_all(settled())
    assert [r.number for r in results] == [1, 2, 3, 4, 5, 6]
    assert [r.status for r in results] == ["OK"] * 6
    assert results[0].checked == {"achievements": 2, "rewards": 2}


# --- 1. every achievement has exactly one reward -----------------------------------------


def test_an_achievement_without_a_reward_is_reported() -> None:
    s = settled()
    s.achievements.append(Achievement("m3", "bob", None))
    result = one_reward_per_achievement(s)
    assert kinds(result) == {"achievement without a reward": 1}
    assert result.examples[0].ids == {"achievementId": "m3", "customerId": "bob"}


def test_an_achievement_with_two_rewards_is_reported() -> None:
    s = settled()
    s.rewards.append(Reward("r1-again", "m1", "alice", "ISSUED"))
    result = one_reward_per_achievement(s)
    assert kinds(result) == {"achievement with more than one reward": 1}
    assert "r1, r1-again" in result.examples[0].detail


def test_a_reward_for_no_achievement_is_reported() -> None:
    s = settled()
    s.rewards.append(Reward("r9", "m9", "alice", "ISSUED"))
    assert kinds(one_reward_per_achievement(s)) == {"reward for no achievement": 1}


# --- 2. every reward is in its customer's wallet exactly once, and linked ---------------


def test_a_reward_missing_from_the_wallet_is_reported() -> None:
    s = settled()
    s.wallet = [w for w in s.wallet if w.reward_id != "r1"]
    assert kinds(every_reward_in_its_wallet(s)) == {"reward missing from the wallet": 1}


def test_a_reward_in_the_wallet_twice_is_reported() -> None:
    s = settled()
    s.wallet.append(WalletEntry("r1", "alice", "AVAILABLE"))
    assert kinds(every_reward_in_its_wallet(s)) == {"reward in the wallet more than once": 1}


def test_a_reward_in_another_customers_wallet_is_reported() -> None:
    s = settled()
    s.wallet[0] = replace(s.wallet[0], customer_id="bob")
    result = every_reward_in_its_wallet(s)
    assert kinds(result) == {"reward in another customer's wallet": 1}
    assert result.examples[0].ids["walletCustomerId"] == "bob"


def test_an_achievement_not_yet_linked_or_linked_to_another_reward_is_reported() -> None:
    s = settled()
    s.achievements = [
        replace(s.achievements[0], reward_id=None),
        replace(s.achievements[1], reward_id="r1"),
    ]
    result = every_reward_in_its_wallet(s)
    assert kinds(result) == {"achievement not linked to its reward": 2}
    assert [v.ids["linkedRewardId"] for v in result.examples] == [None, "r1"]


def test_a_wallet_entry_for_no_issued_reward_is_reported() -> None:
    s = settled()
    s.wallet.append(WalletEntry("r9", "alice", "AVAILABLE"))
    assert kinds(every_reward_in_its_wallet(s)) == {"wallet entry for no issued reward": 1}


# --- 3. exchanged at most once; EXCHANGED entries and exchange records pair up -----------


def test_a_reward_exchanged_twice_is_reported() -> None:
    s = settled()
    s.exchanges.append(ExchangeRecord("x2", "r2", "alice", "mount"))
    result = one_exchange_per_reward(s)
    # Once only: with two records, the entry has no single record to disagree with.
    assert kinds(result) == {"reward exchanged more than once": 1}
    assert "x1 (potion), x2 (mount)" in result.examples[0].detail


def test_an_exchanged_wallet_entry_without_an_exchange_record_is_reported() -> None:
    s = settled()
    s.exchanges = []
    result = one_exchange_per_reward(s)
    assert kinds(result) == {"EXCHANGED wallet entry without an exchange record": 1}
    assert result.examples[0].ids == {"rewardId": "r2", "exchangeId": "x1", "giftId": "potion"}


def test_a_wallet_entry_naming_another_gift_or_exchange_than_the_record_is_reported() -> None:
    for changed in ({"gift_id": "mount"}, {"exchange_id": "x7"}):
        s = settled()
        s.wallet[1] = replace(s.wallet[1], **changed)
        result = one_exchange_per_reward(s)
        assert kinds(result) == {"wallet entry and exchange record disagree": 1}, changed


def test_an_exchange_record_without_its_exchanged_wallet_entry_is_reported() -> None:
    s = settled()
    s.wallet[1] = replace(s.wallet[1], status="AVAILABLE", gift_id=None, exchange_id=None)
    s.exchanges.append(ExchangeRecord("x2", "r-nowhere", "bob", "potion"))
    result = one_exchange_per_reward(s)
    assert kinds(result) == {"exchange record without its EXCHANGED wallet entry": 2}
    details = [v.detail for v in result.examples]
    assert "entry is AVAILABLE" in details[0] and "has no such reward" in details[1]


# --- 4. no gift oversold ----------------------------------------------------------------


def test_a_stock_below_zero_is_reported() -> None:
    s = settled()
    assert s.gifts is not None
    s.gifts[1] = Gift("mount", stock=-1, stocked_total=-1)
    assert kinds(no_gift_oversold(s)) == {"stock below zero": 1}


def test_exchange_records_beyond_the_stocked_total_are_reported() -> None:
    """The gift's own counters agree (stock 9 of 10), but two records exist: the audit
    counts the records, not a counter."""
    s = settled()
    s.exchanges.append(ExchangeRecord("x2", "r1", "alice", "potion"))
    result = no_gift_oversold(s)
    assert kinds(result) == {"stocked total is not stock left plus exchanges made": 1}
    assert "stocked 10, but 9 left + 2 exchanged = 11" in result.examples[0].detail


def test_an_exchange_of_an_unknown_gift_is_reported() -> None:
    s = settled()
    s.exchanges.append(ExchangeRecord("x2", "r1", "alice", "unicorn"))
    assert kinds(no_gift_oversold(s)) == {"exchange of an unknown gift": 1}


def test_gifts_are_not_checked_for_one_customer() -> None:
    s = settled()
    s.gifts = None
    result = no_gift_oversold(s)
    assert result.status == "SKIPPED" and "shares the gifts" in (result.skipped or "")


# --- 5. reward EXCHANGED <=> wallet entry EXCHANGED -------------------------------------


def test_a_reward_exchanged_while_its_wallet_entry_is_not_is_reported() -> None:
    s = settled()
    s.rewards[0] = replace(s.rewards[0], status="EXCHANGED", gift_id="potion")
    assert kinds(reward_and_wallet_agree(s)) == {"reward EXCHANGED, wallet entry not": 1}


def test_a_wallet_entry_exchanged_while_its_reward_is_not_is_reported() -> None:
    s = settled()
    s.rewards[1] = replace(s.rewards[1], status="ISSUED", gift_id=None)
    assert kinds(reward_and_wallet_agree(s)) == {"wallet entry EXCHANGED, reward not": 1}


def test_a_reward_and_wallet_entry_exchanged_for_different_gifts_are_reported() -> None:
    s = settled()
    s.rewards[1] = replace(s.rewards[1], gift_id="mount")
    assert kinds(reward_and_wallet_agree(s)) == {"reward and wallet entry name different gifts": 1}


# --- 6. My Page shows what mission, reward and wallet hold -----------------------------


def with_page(
    s: Snapshot, missions: tuple[PageMission, ...], wallet: tuple[PageWalletEntry, ...]
) -> Snapshot:
    s.pages = [Page("alice", missions, wallet)]
    return s


def test_an_achievement_missing_from_my_page_or_shown_there_unknown_is_reported() -> None:
    s = settled()
    page = s.pages[0]
    s = with_page(s, (page.missions[0], PageMission("m-ghost", None, None)), page.wallet)
    result = my_page_shows_what_services_hold(s)
    assert kinds(result) == {
        "achievement missing from My Page": 1,
        "My Page shows an unknown achievement": 1,
    }
    assert {v.ids["missionId"] for v in result.examples} == {"m2", "m-ghost"}


def test_my_page_showing_another_reward_id_or_reward_status_is_reported() -> None:
    s = settled()
    page = s.pages[0]
    missions = (PageMission("m1", None, None), PageMission("m2", "r2", "ISSUED"))
    result = my_page_shows_what_services_hold(with_page(s, missions, page.wallet))
    assert kinds(result) == {"achievement shown with another reward or reward status": 2}
    assert "reward None instead of r1" in result.examples[0].detail
    assert "reward status ISSUED instead of EXCHANGED" in result.examples[1].detail


def test_a_wallet_entry_missing_unknown_or_with_another_status_on_my_page_is_reported() -> None:
    s = settled()
    wallet = (PageWalletEntry("r2", "AVAILABLE", None), PageWalletEntry("r9", "AVAILABLE", None))
    result = my_page_shows_what_services_hold(with_page(s, s.pages[0].missions, wallet))
    assert kinds(result) == {
        "wallet entry missing from My Page": 1,
        "My Page shows an unknown wallet entry": 1,
        "wallet entry shown with another status or gift": 1,
    }


def test_a_customer_without_a_page_is_reported_for_everything_they_hold() -> None:
    s = settled()
    s.pages = []
    assert kinds(my_page_shows_what_services_hold(s)) == {
        "achievement missing from My Page": 2,
        "wallet entry missing from My Page": 2,
    }


def test_my_page_shows_an_achievement_once_it_arrived_and_a_reward_once_deposited() -> None:
    document = {
        "missions": {
            "m1": {"mission_id": "m1", "mission_code": "first-win", "reward_id": "r1"},
            "m2": {"mission_id": "m2", "mission_code": None, "reward_id": "r2"},  # link only
        },
        "rewards": {"r1": {"reward_id": "r1", "status": "EXCHANGED"}},
        "wallet": {
            "r1": {"reward_id": "r1", "deposited_at": "2025-01-01T00:00:00Z",
                   "status": "EXCHANGED", "gift_id": "potion"},
            "r2": {"reward_id": "r2", "deposited_at": None, "status": "EXCHANGED"},
        },
    }  # fmt: skip
    page = Page.from_document("alice", document)
    assert page.missions == (PageMission("m1", "r1", "EXCHANGED"),)
    assert page.wallet == (PageWalletEntry("r1", "EXCHANGED", "potion"),)
    assert Page.from_document("bob", {}) == Page("bob")
