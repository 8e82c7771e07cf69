"""Commands on the gift catalogue (LiveOps): add a gift, restock one."""

from __future__ import annotations

from dataclasses import dataclass

from questline.gift.application.ports import Clock, GiftView, IdGenerator, UnitOfWork
from questline.gift.domain.errors import GiftNotFound
from questline.gift.domain.gift import Gift


@dataclass(frozen=True, slots=True)
class AddGift:
    name: str
    stock: int


@dataclass(frozen=True, slots=True)
class AddStock:
    gift_id: str
    quantity: int


async def add_gift(
    command: AddGift, uow: UnitOfWork, clock: Clock, new_id: IdGenerator
) -> GiftView:
    async with uow:
        gift = Gift.add_to_catalogue(new_id(), command.name, command.stock, clock())
        await uow.gifts.add(gift)
        uow.publish(gift.events)
        return GiftView(gift, exchanged_count=0)


async def add_stock(command: AddStock, uow: UnitOfWork) -> GiftView:
    async with uow:
        # Locked: a concurrent restock or exchange waits instead of overwriting this
        # one's stock with a stale number.
        gift = await uow.gifts.get(command.gift_id, for_update=True)
        if gift is None:
            raise GiftNotFound(command.gift_id)
        gift.add_stock(command.quantity)
        await uow.gifts.save_stocks([gift])
        uow.publish(gift.events)
        # Read back in this transaction, under the row lock: no exchange of this gift
        # can slip in between, so the counts answered agree with each other.
        view = await uow.gifts.view(gift.id)
        assert view is not None
        return view
