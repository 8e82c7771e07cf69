"""What the audit reads from each service database: only the columns the invariants need,
as plain values. The checks see these alone, so they run as well on rows made up in a
test as on rows read from the running system."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Achievement:
    """mission.achievements"""

    id: str
    customer_id: str
    reward_id: str | None


@dataclass(frozen=True)
class Reward:
    """reward.rewards; status ISSUED or EXCHANGED"""

    id: str
    mission_id: str
    customer_id: str
    status: str
    gift_id: str | None = None


@dataclass(frozen=True)
class WalletEntry:
    """wallet.wallet_rewards; status AVAILABLE or EXCHANGED"""

    reward_id: str
    customer_id: str
    status: str
    gift_id: str | None = None
    exchange_id: str | None = None


@dataclass(frozen=True)
class Gift:
    """gift.gifts"""

    id: str
    stock: int
    stocked_total: int


@dataclass(frozen=True)
class ExchangeRecord:
    """gift.exchanges"""

    id: str
    reward_id: str
    customer_id: str
    gift_id: str


@dataclass(frozen=True)
class PageMission:
    mission_id: str
    reward_id: str | None
    reward_status: str | None


@dataclass(frozen=True)
class PageWalletEntry:
    reward_id: str
    status: str | None
    gift_id: str | None


@dataclass(frozen=True)
class Page:
    """mypage.customer_pages: what the player is shown on My Page."""

    customer_id: str
    missions: tuple[PageMission, ...] = ()
    wallet: tuple[PageWalletEntry, ...] = ()

    @classmethod
    def from_document(cls, customer_id: str, document: Mapping[str, Any]) -> Page:
        """The entries My Page shows, as mypage selects them: a mission once its
        achievement arrived (a reward link alone shows nothing), a wallet entry once
        deposited; a mission's reward status comes from the page's reward entries."""
        rewards = document.get("rewards") or {}
        missions = tuple(
            PageMission(
                mission_id,
                m.get("reward_id"),
                (rewards.get(m.get("reward_id")) or {}).get("status"),
            )
            for mission_id, m in (document.get("missions") or {}).items()
            if m.get("mission_code") is not None
        )
        wallet = tuple(
            PageWalletEntry(reward_id, w.get("status"), w.get("gift_id"))
            for reward_id, w in (document.get("wallet") or {}).items()
            if w.get("deposited_at") is not None
        )
        return cls(customer_id, missions, wallet)


@dataclass
class Snapshot:
    """Everything read, one list per table. `gifts` is None when not read: a
    customer's audit leaves out the gifts, which every customer shares."""

    achievements: list[Achievement] = field(default_factory=list)
    rewards: list[Reward] = field(default_factory=list)
    wallet: list[WalletEntry] = field(default_factory=list)
    gifts: list[Gift] | None = field(default_factory=list)
    exchanges: list[ExchangeRecord] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
