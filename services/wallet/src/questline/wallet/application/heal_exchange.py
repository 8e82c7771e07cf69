"""Policy: on GiftExchanged, mark the wallet entry EXCHANGED if it still is AVAILABLE.

This closes the gap of an uncertain outcome: wallet's call timed out (the player got
503) but gift had committed; the event tells wallet what really happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from questline.wallet.application.ports import UnitOfWork
from questline.wallet.domain.errors import RewardNotInWallet


@dataclass(frozen=True, slots=True)
class HealExchange:
    reward_id: str
    gift_id: str
    exchange_id: str
    exchanged_at: datetime


async def heal_exchange(command: HealExchange, uow: UnitOfWork) -> bool:
    """True when the entry changed (the exchange was news to the wallet)."""
    async with uow:
        entry = await uow.wallet.get(command.reward_id, for_update=True)
        if entry is None:
            raise RewardNotInWallet(command.reward_id)
        if not entry.mark_exchanged(command.gift_id, command.exchange_id, command.exchanged_at):
            return False
        await uow.wallet.save(entry)
        uow.publish(entry.events)
        return True
