"""Domain events of the wallet context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class RewardDeposited:
    customer_id: str
    reward_id: str
    mission_id: str
    points: int
    deposited_at: datetime


@dataclass(frozen=True, slots=True)
class RewardExchanged:
    customer_id: str
    reward_id: str
    gift_id: str
    exchange_id: str
    exchanged_at: datetime


WalletEvent = RewardDeposited | RewardExchanged
