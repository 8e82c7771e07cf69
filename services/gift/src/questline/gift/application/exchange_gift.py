"""Command from wallet: give one item of a gift for a reward, at most once per reward.

Idempotent per reward, whatever gift is asked the second time: a retry after a timeout,
a duplicate sent at the same instant, or a second try with another gift all get the
first exchange back, and no second item leaves the stock (invariant 3).
"""

from __future__ import annotations

from dataclasses import dataclass

from questline.gift.application.ports import Clock, IdGenerator, UnitOfWork
from questline.gift.domain.errors import GiftNotFound
from questline.gift.domain.exchange import Exchange


@dataclass(frozen=True, slots=True)
class ExchangeGift:
    reward_id: str
    customer_id: str
    gift_id: str


@dataclass(frozen=True, slots=True)
class ExchangeRecorded:
    exchange: Exchange
    replayed: bool  # True when the reward had been exchanged already: nothing changed now


async def exchange_gift(
    command: ExchangeGift, uow: UnitOfWork, clock: Clock, new_id: IdGenerator
) -> ExchangeRecorded:
    async with uow:
        # Reward first, then gift: every exchange takes the two locks in this order,
        # so two of them never wait on each other in a circle.
        earlier = await uow.exchanges.for_reward(command.reward_id, for_update=True)
        if earlier is not None:
            return ExchangeRecorded(earlier, replayed=True)
        gift = await uow.gifts.get(command.gift_id, for_update=True)
        if gift is None:
            raise GiftNotFound(command.gift_id)
        exchange = gift.exchange(new_id(), command.reward_id, command.customer_id, clock())
        await uow.exchanges.add(exchange)
        await uow.gifts.save_stock(gift)
        uow.publish(gift.events)
        return ExchangeRecorded(exchange, replayed=False)
