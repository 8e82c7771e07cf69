"""My Page: one customer's story, folded from the events of every context.

Events from different topics arrive in any order (a deposit may overtake the achievement
it stems from), so every fold is a merge that commutes: fields are filled in, never
blanked, and statuses only move forward (ISSUED < EXCHANGED, AVAILABLE < EXCHANGED).
Applying an event twice changes nothing. A gift's name comes from the gift context's
catalogue, which may be heard of before or after the exchange that shows it: it is
filled in whenever both are known (`gift_named`).

Entries are typed dicts, not classes: each is stored and read back as one JSON value,
and the page's entries *are* those decoded dicts, so loading a page builds no objects
(that rebuilding was the read model's top cost). A page remembers which entries its
folds touched: saving writes those, not the whole page, so an event costs the same
however long the player's history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypedDict

# The page's sections, as the stored entries name them.
Section = Literal["missions", "rewards", "wallet"]
MISSIONS: Section = "missions"
REWARDS: Section = "rewards"
WALLET: Section = "wallet"
EntryKey = tuple[Section, str]  # an entry's section and id (a mission's or a reward's)
_RANK = {None: 0, "ISSUED": 1, "AVAILABLE": 1, "EXCHANGED": 2}


def _iso(at: datetime) -> str:
    """RFC 3339 in UTC with a Z, as every Questline API writes times."""
    text = at.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _forward(current: str | None, new: str) -> str:
    """The later of two statuses: a late ISSUED never undoes an EXCHANGED."""
    return new if _RANK.get(new, 0) >= _RANK.get(current, 0) else current or new


class MissionEntry(TypedDict):
    mission_id: str
    mission_code: str | None
    mission_title: str | None
    points: int | None
    achieved_at: str | None
    reward_id: str | None


class RewardEntry(TypedDict):
    """The reward context's view of a reward (status ISSUED or EXCHANGED)."""

    reward_id: str
    mission_id: str | None
    status: str | None
    issued_at: str | None


class WalletEntry(TypedDict):
    """The wallet context's view of a reward (status AVAILABLE or EXCHANGED)."""

    reward_id: str
    mission_id: str | None
    points: int | None
    status: str | None
    deposited_at: str | None
    gift_id: str | None
    gift_name: str | None  # from the gift catalogue; None until its name is known
    exchange_id: str | None
    exchanged_at: str | None


@dataclass
class MyPage:
    customer_id: str
    missions: dict[str, MissionEntry] = field(default_factory=dict)
    rewards: dict[str, RewardEntry] = field(default_factory=dict)
    wallet: dict[str, WalletEntry] = field(default_factory=dict)
    updated_at: datetime | None = None
    # Set by the store: changes with every saved change, never repeats for a customer.
    version: int = 0
    # The entries folded into since the page was loaded. A page loaded for a batch may
    # hold only the entries the batch folds into (see MyPageStore.load).
    changed: set[EntryKey] = field(default_factory=set, compare=False, repr=False)

    # --- folds, one per fact -------------------------------------------------------
    def mission_achieved(
        self, mission_id: str, code: str, title: str | None, points: int, achieved_at: datetime
    ) -> None:
        m = self._mission(mission_id)
        m["mission_code"], m["points"], m["achieved_at"] = code, points, _iso(achieved_at)
        m["mission_title"] = title or m["mission_title"]

    def reward_linked(self, mission_id: str, reward_id: str) -> None:
        self._mission(mission_id)["reward_id"] = reward_id

    def reward_issued(self, reward_id: str, mission_id: str, issued_at: datetime) -> None:
        r = self._reward(reward_id)
        r["mission_id"], r["issued_at"] = mission_id, _iso(issued_at)
        r["status"] = _forward(r["status"], "ISSUED")

    def reward_marked_exchanged(self, reward_id: str) -> None:
        r = self._reward(reward_id)
        r["status"] = _forward(r["status"], "EXCHANGED")

    def reward_deposited(
        self, reward_id: str, mission_id: str, points: int, deposited_at: datetime
    ) -> None:
        w = self._wallet_entry(reward_id)
        w["mission_id"], w["points"], w["deposited_at"] = mission_id, points, _iso(deposited_at)
        w["status"] = _forward(w["status"], "AVAILABLE")

    def reward_exchanged(
        self, reward_id: str, gift_id: str, exchange_id: str, exchanged_at: datetime
    ) -> None:
        w = self._wallet_entry(reward_id)
        w["gift_id"], w["exchange_id"] = gift_id, exchange_id
        w["exchanged_at"] = _iso(exchanged_at)
        w["status"] = _forward(w["status"], "EXCHANGED")

    def gift_named(self, gift_id: str, name: str) -> None:
        """The gift's name, on every wallet entry that shows this gift."""
        for reward_id, w in self.wallet.items():
            if w["gift_id"] == gift_id and w["gift_name"] != name:
                w["gift_name"] = name
                self.changed.add((WALLET, reward_id))

    def touched(self, at: datetime) -> None:
        self.updated_at = at if self.updated_at is None else max(self.updated_at, at)

    # --- entries, created blank on first mention -----------------------------------
    def _mission(self, mission_id: str) -> MissionEntry:
        self.changed.add((MISSIONS, mission_id))
        if (m := self.missions.get(mission_id)) is None:
            m = self.missions[mission_id] = MissionEntry(
                mission_id=mission_id,
                mission_code=None,
                mission_title=None,
                points=None,
                achieved_at=None,
                reward_id=None,
            )
        return m

    def _reward(self, reward_id: str) -> RewardEntry:
        self.changed.add((REWARDS, reward_id))
        if (r := self.rewards.get(reward_id)) is None:
            r = self.rewards[reward_id] = RewardEntry(
                reward_id=reward_id, mission_id=None, status=None, issued_at=None
            )
        return r

    def _wallet_entry(self, reward_id: str) -> WalletEntry:
        self.changed.add((WALLET, reward_id))
        if (w := self.wallet.get(reward_id)) is None:
            w = self.wallet[reward_id] = WalletEntry(
                reward_id=reward_id,
                mission_id=None,
                points=None,
                status=None,
                deposited_at=None,
                gift_id=None,
                gift_name=None,
                exchange_id=None,
                exchanged_at=None,
            )
        return w

    # --- what the player sees ------------------------------------------------------
    def visible_missions(self) -> list[dict[str, Any]]:
        """Achievements the mission context holds, with their reward's status."""
        shown = []
        for m in self.missions.values():
            if m["mission_code"] is None:  # only a link arrived so far
                continue
            reward = self.rewards.get(m["reward_id"]) if m["reward_id"] else None
            shown.append({**m, "reward_status": reward["status"] if reward else None})
        return sorted(shown, key=lambda m: (m["achieved_at"], m["mission_id"]), reverse=True)

    def visible_wallet(self) -> list[dict[str, Any]]:
        """Rewards the wallet context holds (deposited), with their status and gift."""
        shown = [dict(w) for w in self.wallet.values() if w["deposited_at"] is not None]
        return sorted(shown, key=lambda w: (w["deposited_at"], w["reward_id"]), reverse=True)

    # --- storage shape (plain JSON-able dicts) --------------------------------------
    def to_document(self) -> dict[str, Any]:
        """The page's own dicts, not copies: serialise the document at once, never keep it."""
        return {MISSIONS: self.missions, REWARDS: self.rewards, WALLET: self.wallet}

    def section(self, name: Section) -> dict[str, Any]:
        """One section's entries by id (the page's own dict)."""
        match name:
            case "missions":
                return self.missions
            case "rewards":
                return self.rewards
            case "wallet":
                return self.wallet

    def changed_entries(self) -> list[tuple[Section, str, dict[str, Any]]]:
        """(section, entry id, entry) of every entry folded into since loading."""
        return [(name, key, self.section(name)[key]) for name, key in sorted(self.changed)]

    @classmethod
    def from_document(
        cls, customer_id: str, doc: dict[str, Any], updated_at: datetime | None, version: int = 0
    ) -> MyPage:
        """Takes ownership of `doc` (freshly decoded): the page folds into its dicts.
        Every stored entry holds every field, as the folds create them (the migration
        that added `gift_name` gave it to the entries stored before)."""
        return cls(
            customer_id,
            doc.get(MISSIONS, {}),
            doc.get(REWARDS, {}),
            doc.get(WALLET, {}),
            updated_at,
            version,
        )
