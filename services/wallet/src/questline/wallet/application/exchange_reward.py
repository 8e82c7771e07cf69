"""Command: the player exchanges a wallet reward for a gift.

The call to gift happens between a look at the entry (no transaction) and a short
transaction that records gift's answer, never inside one: no row lock is held while gift
answers. If gift does not answer, the entry stays AVAILABLE; should gift have committed
anyway, its GiftExchanged event heals the entry (heal_exchange) and a retry returns the
exchange gift already made (gift is idempotent per reward).

Recording is written for a batch (`record_exchanges`): concurrent exchanges can share
one transaction (group commit), each request keeping its own outcome; one request alone
is the batch of one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from questline.wallet.application.ports import (
    GiftCatalogue,
    GiftExchange,
    ReadsFactory,
    UnitOfWork,
)
from questline.wallet.domain.errors import (
    GiftShopUnavailable,
    RewardAlreadyExchanged,
    RewardNotInWallet,
    WalletError,
)
from questline.wallet.domain.wallet import EntryStatus, WalletReward


@dataclass(frozen=True, slots=True)
class ExchangeReward:
    customer_id: str
    reward_id: str
    gift_id: str


@dataclass(frozen=True, slots=True)
class RecordExchange:
    """The second step of an exchange: what gift answered to the player's request."""

    asked: ExchangeReward
    made: GiftExchange


Outcome = WalletReward | WalletError
Recorder = Callable[[RecordExchange], Awaitable[WalletReward]]
"""Records gift's answer in the wallet: alone (`record_exchange`) or grouped with
concurrent exchanges; raises the request's refusal."""


async def exchange_reward(
    command: ExchangeReward, gifts: GiftCatalogue, reads: ReadsFactory, record: Recorder
) -> WalletReward:
    """`reads` serves the first look at the entry without a transaction."""
    wait = await gifts.unavailable_for()
    if wait is not None:  # the fallback: answer at once, touch neither gift nor database
        raise GiftShopUnavailable("circuit open", wait)
    async with reads() as read:
        entry = await read.wallet.get(command.reward_id)
    if entry is None or entry.customer_id != command.customer_id:
        raise RewardNotInWallet(command.reward_id)
    if entry.status is EntryStatus.EXCHANGED:
        if entry.gift_id == command.gift_id:
            return entry  # a retry of an exchange that went through: same answer
        raise RewardAlreadyExchanged(entry.reward_id, entry.gift_id)

    made = await gifts.exchange(command.reward_id, command.customer_id, command.gift_id)
    return await record(RecordExchange(command, made))


async def record_exchange(step: RecordExchange, uow: UnitOfWork) -> WalletReward:
    """One exchange alone: the batch of one."""
    [outcome] = await record_exchanges([(step, None)], uow)
    if isinstance(outcome, WalletError):
        raise outcome
    return outcome


async def record_exchanges(
    batch: Sequence[tuple[RecordExchange, str | None]], uow: UnitOfWork
) -> list[Outcome]:
    """Gift's answers to many concurrent requests (each with its cause) in one
    transaction: one locked read of the entries, one save of those that changed. Each
    request gets its own outcome, in order; a refused request never fails its neighbours."""
    async with uow:
        entries = await uow.wallet.lock_many({step.asked.reward_id for step, _ in batch})
        changed: dict[str, WalletReward] = {}
        outcomes: list[Outcome] = []
        for step, cause in batch:
            try:
                entry, news = _record(entries.get(step.asked.reward_id), step, cause, uow)
            except WalletError as refused:
                outcomes.append(refused)
                continue
            if news:
                changed[entry.reward_id] = entry
            outcomes.append(_answer(entry, step))
        if changed:
            await uow.wallet.save_many(list(changed.values()))
        return outcomes


def _record(
    entry: WalletReward | None, step: RecordExchange, cause: str | None, uow: UnitOfWork
) -> tuple[WalletReward, bool]:
    """Mark the entry with gift's exchange; True when that is news (its event leaves with
    the request's own cause), False when the entry showed it already."""
    asked, made = step.asked, step.made
    # Deposits are never undone and their owner never changes: only a wiped database
    # (or a request that skipped the first look) gets here.
    if entry is None or entry.customer_id != asked.customer_id:
        raise RewardNotInWallet(asked.reward_id)
    before = len(entry.events)
    if not entry.mark_exchanged(made.gift_id, made.exchange_id, made.exchanged_at):
        return entry, False
    uow.publish(entry.events[before:], cause)
    return entry, True


def _answer(entry: WalletReward, step: RecordExchange) -> Outcome:
    if step.made.gift_id != step.asked.gift_id:
        # Gift kept the exchange it had already made for this reward (e.g. after a
        # timeout the player chose another gift): the wallet now shows that one.
        return RewardAlreadyExchanged(entry.reward_id, step.made.gift_id)
    return entry
