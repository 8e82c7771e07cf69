"""Read use cases on the gift catalogue."""

from __future__ import annotations

from collections.abc import Sequence

from questline.gift.application.ports import UnitOfWork
from questline.gift.domain.errors import GiftNotFound
from questline.gift.domain.gift import Gift


async def list_gifts(uow: UnitOfWork) -> Sequence[Gift]:
    async with uow:
        return await uow.gifts.list()


async def get_gift(gift_id: str, uow: UnitOfWork) -> Gift:
    async with uow:
        gift = await uow.gifts.get(gift_id)
        if gift is None:
            raise GiftNotFound(gift_id)
        return gift
