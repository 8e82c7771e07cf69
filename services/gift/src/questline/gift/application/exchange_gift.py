"""Command from wallet: give one item of a gift for a reward, at most once per reward.

Idempotent per reward, whatever gift is asked the second time: a retry after a timeout,
a duplicate sent at the same instant, or a second try with another gift all get the
first exchange back, and no second item leaves the stock (invariant 3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from questline.gift.application.ports import Clock, IdGenerator, UnitOfWork
from questline.gift.domain.errors import GiftError, GiftNotFound
from questline.gift.domain.exchange import Exchange
from questline.gift.domain.gift import Gift


@dataclass(frozen=True, slots=True)
class ExchangeGift:
    reward_id: str
    customer_id: str
    gift_id: str


@dataclass(frozen=True, slots=True)
class ExchangeRecorded:
    exchange: Exchange
    replayed: bool  # True when the reward had been exchanged already: nothing changed now


Outcome = ExchangeRecorded | GiftError


async def exchange_gift(
    command: ExchangeGift, uow: UnitOfWork, clock: Clock, new_id: IdGenerator
) -> ExchangeRecorded:
    """One command alone: the batch of one."""
    [outcome] = await exchange_gifts([(command, None)], uow, clock, new_id)
    if isinstance(outcome, GiftError):
        raise outcome
    return outcome


async def exchange_gifts(
    commands: Sequence[tuple[ExchangeGift, str | None]],
    uow: UnitOfWork,
    clock: Clock,
    new_id: IdGenerator,
) -> list[Outcome]:
    """Many concurrent requests (each with its cause) in one transaction, group commit:
    one lock of each gift row, one insert. Each request gets its own outcome, in order;
    a refused request (unknown gift, no stock left) never fails its neighbours."""
    async with uow:
        # Rewards first, then gifts: every exchange takes its locks in this order, so
        # two of them never wait on each other in a circle.
        taken = dict(
            await uow.exchanges.for_rewards({c.reward_id for c, _ in commands}, for_update=True)
        )
        wanted = {c.gift_id for c, _ in commands if c.reward_id not in taken}
        gifts = await uow.gifts.get_many(wanted, for_update=True) if wanted else {}
        outcomes: list[Outcome] = []
        made: list[Exchange] = []
        for command, cause in commands:
            earlier = taken.get(command.reward_id)  # before this batch, or earlier in it
            if earlier is not None:
                outcomes.append(ExchangeRecorded(earlier, replayed=True))
                continue
            gift = gifts.get(command.gift_id)
            if gift is None:
                outcomes.append(GiftNotFound(command.gift_id))
                continue
            try:
                exchange = _exchange(gift, command, cause, uow, clock, new_id)
            except GiftError as refused:
                outcomes.append(refused)
                continue
            taken[command.reward_id] = exchange
            made.append(exchange)
            outcomes.append(ExchangeRecorded(exchange, replayed=False))
        if made:
            await uow.exchanges.add_many(made)
            await uow.gifts.save_stocks({x.gift_id: gifts[x.gift_id] for x in made}.values())
        return outcomes


def _exchange(
    gift: Gift,
    command: ExchangeGift,
    cause: str | None,
    uow: UnitOfWork,
    clock: Clock,
    new_id: IdGenerator,
) -> Exchange:
    """One item for one request; its events leave with the request's own cause."""
    before = len(gift.events)
    exchange = gift.exchange(new_id(), command.reward_id, command.customer_id, clock())
    uow.publish(gift.events[before:], cause)
    return exchange
