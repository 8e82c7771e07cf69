"""A customer's wallet: the rewards deposited in it, each AVAILABLE until exchanged.

Each `WalletReward` is its own consistency boundary (a deposit or an exchange touches one
entry), so depositing never loads or locks the whole wallet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from questline.wallet.domain.errors import RewardAlreadyExchanged
from questline.wallet.domain.events import RewardDeposited, RewardExchanged, WalletEvent


class EntryStatus(StrEnum):
    AVAILABLE = "AVAILABLE"
    EXCHANGED = "EXCHANGED"


@dataclass
class WalletReward:
    reward_id: str
    customer_id: str
    mission_id: str
    points: int
    deposited_at: datetime
    status: EntryStatus = EntryStatus.AVAILABLE
    gift_id: str | None = None
    exchange_id: str | None = None
    exchanged_at: datetime | None = None
    events: list[WalletEvent] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def deposit(
        cls, reward_id: str, customer_id: str, mission_id: str, points: int, now: datetime
    ) -> WalletReward:
        entry = cls(reward_id, customer_id, mission_id, points, now)
        entry.events.append(RewardDeposited(customer_id, reward_id, mission_id, points, now))
        return entry

    def ensure_available(self) -> None:
        if self.status is EntryStatus.EXCHANGED:
            raise RewardAlreadyExchanged(self.reward_id, self.gift_id)

    def mark_exchanged(self, gift_id: str, exchange_id: str, at: datetime) -> bool:
        """Record the gift taken for this reward; True when it is news."""
        if self.status is EntryStatus.EXCHANGED:
            if self.exchange_id == exchange_id:
                return False
            raise RewardAlreadyExchanged(self.reward_id, self.gift_id)
        self.status = EntryStatus.EXCHANGED
        self.gift_id, self.exchange_id, self.exchanged_at = gift_id, exchange_id, at
        self.events.append(
            RewardExchanged(self.customer_id, self.reward_id, gift_id, exchange_id, at)
        )
        return True


@dataclass(frozen=True)
class Wallet:
    customer_id: str
    rewards: list[WalletReward]

    @property
    def available_points(self) -> int:
        return sum(r.points for r in self.rewards if r.status is EntryStatus.AVAILABLE)
