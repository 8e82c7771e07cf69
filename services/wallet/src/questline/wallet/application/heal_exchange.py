"""Policy: on GiftExchanged, mark the wallet entry EXCHANGED if it still is AVAILABLE.

This closes the gap of an uncertain outcome: wallet's call timed out (the player got
503) but gift had committed; the event tells wallet what really happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from questline.wallet.application.ports import UnitOfWork
from questline.wallet.domain.errors import RewardNotInWallet
from questline.wallet.domain.wallet import WalletReward


@dataclass(frozen=True, slots=True)
class HealExchange:
    reward_id: str
    gift_id: str
    exchange_id: str
    exchanged_at: datetime


async def heal_exchange(command: HealExchange, uow: UnitOfWork) -> bool:
    """True when the entry changed (the exchange was news to the wallet)."""
    return await heal_exchanges([(command, None)], uow) == 1


async def heal_exchanges(
    commands: Sequence[tuple[HealExchange, str | None]], uow: UnitOfWork
) -> int:
    """The same policy for a consumer's batch of (command, cause): one locked read of the
    entries, one save of those healed; how many were healed. An event the wallet cannot
    apply (no such entry, another exchange recorded) fails the batch, which the inbox
    then applies event by event to set the culprit aside."""
    async with uow:
        entries = await uow.wallet.lock_many({c.reward_id for c, _ in commands})
        healed: dict[str, WalletReward] = {}
        for command, cause in commands:
            entry = entries.get(command.reward_id)
            if entry is None:
                raise RewardNotInWallet(command.reward_id)
            before = len(entry.events)
            if entry.mark_exchanged(command.gift_id, command.exchange_id, command.exchanged_at):
                healed[entry.reward_id] = entry
                uow.publish(entry.events[before:], cause)
        if healed:
            await uow.wallet.save_many(list(healed.values()))
        return len(healed)
