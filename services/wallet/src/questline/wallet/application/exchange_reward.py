"""Command: the player exchanges a wallet reward for a gift.

The call to gift happens between two short transactions, never inside one: no row lock
is held while gift answers. If gift does not answer, the entry stays AVAILABLE; should
gift have committed anyway, its GiftExchanged event heals the entry (heal_exchange) and
a retry returns the exchange gift already made (gift is idempotent per reward).
"""

from __future__ import annotations

from dataclasses import dataclass

from questline.wallet.application.ports import GiftCatalogue, ReadsFactory, UnitOfWorkFactory
from questline.wallet.domain.errors import (
    GiftShopUnavailable,
    RewardAlreadyExchanged,
    RewardNotInWallet,
)
from questline.wallet.domain.wallet import EntryStatus, WalletReward


@dataclass(frozen=True, slots=True)
class ExchangeReward:
    customer_id: str
    reward_id: str
    gift_id: str


async def exchange_reward(
    command: ExchangeReward,
    uow: UnitOfWorkFactory,
    gifts: GiftCatalogue,
    reads: ReadsFactory | None = None,
) -> WalletReward:
    """`reads` (optional) serves the first look at the entry without a transaction."""
    wait = await gifts.unavailable_for()
    if wait is not None:  # the fallback: answer at once, touch neither gift nor database
        raise GiftShopUnavailable("circuit open", wait)
    async with (reads or uow)() as read:
        entry = await read.wallet.get(command.reward_id)
    if entry is None or entry.customer_id != command.customer_id:
        raise RewardNotInWallet(command.reward_id)
    if entry.status is EntryStatus.EXCHANGED:
        if entry.gift_id == command.gift_id:
            return entry  # a retry of an exchange that went through: same answer
        raise RewardAlreadyExchanged(entry.reward_id, entry.gift_id)

    made = await gifts.exchange(command.reward_id, command.customer_id, command.gift_id)

    async with uow() as write:
        entry = await write.wallet.get(command.reward_id, for_update=True)
        if entry is None:  # deposits are never undone; only a wiped database gets here
            raise RewardNotInWallet(command.reward_id)
        if entry.mark_exchanged(made.gift_id, made.exchange_id, made.exchanged_at):
            await write.wallet.save(entry)
            write.publish(entry.events)
    if made.gift_id != command.gift_id:
        # Gift kept the exchange it had already made for this reward (e.g. after a
        # timeout the player chose another gift): the wallet now shows that one.
        raise RewardAlreadyExchanged(entry.reward_id, made.gift_id)
    return entry
