"""Commands on the gift catalogue (LiveOps): add a gift, restock one.

Each may carry an idempotency key. The key is claimed first, in the command's own
transaction, and the answer recorded with it, so a retry with the same key gets the
first answer back and has no second effect (no second gift, no stock added twice),
even while the first is still running: it waits for it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from questline.gift.application.ports import Clock, GiftView, IdGenerator, UnitOfWork
from questline.gift.domain.errors import GiftNotFound, IdempotencyKeyReused
from questline.gift.domain.gift import Gift


@dataclass(frozen=True, slots=True)
class AddGift:
    name: str
    stock: int
    idempotency_key: str | None = None

    @property
    def fingerprint(self) -> str:
        return _fingerprint("add-gift", self.name.strip(), self.stock)


@dataclass(frozen=True, slots=True)
class AddStock:
    gift_id: str
    quantity: int
    idempotency_key: str | None = None

    @property
    def fingerprint(self) -> str:
        return _fingerprint("add-stock", self.gift_id, self.quantity)


@dataclass(frozen=True, slots=True)
class CatalogueAnswer:
    view: GiftView
    replayed: bool = False  # an earlier command's answer, returned for its key


async def add_gift(
    command: AddGift, uow: UnitOfWork, clock: Clock, new_id: IdGenerator
) -> CatalogueAnswer:
    async with uow:
        earlier = await _claim(uow, command.idempotency_key, command.fingerprint)
        if earlier is not None:
            return earlier
        gift = Gift.add_to_catalogue(new_id(), command.name, command.stock, clock())
        await uow.gifts.add(gift)
        uow.publish(gift.events)
        return await _answer(uow, command.idempotency_key, GiftView(gift, exchanged_count=0))


async def add_stock(command: AddStock, uow: UnitOfWork) -> CatalogueAnswer:
    async with uow:
        earlier = await _claim(uow, command.idempotency_key, command.fingerprint)
        if earlier is not None:
            return earlier
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
        return await _answer(uow, command.idempotency_key, view)


async def _claim(uow: UnitOfWork, key: str | None, fingerprint: str) -> CatalogueAnswer | None:
    """None: go ahead (no key, or the key is now this command's). Else the answer the
    key's first request got."""
    if key is None:
        return None
    earlier = await uow.idempotency_keys.claim(key, fingerprint)
    if earlier is None:
        return None
    earlier_fingerprint, view = earlier
    if earlier_fingerprint != fingerprint:
        raise IdempotencyKeyReused(key)
    return CatalogueAnswer(view, replayed=True)


async def _answer(uow: UnitOfWork, key: str | None, view: GiftView) -> CatalogueAnswer:
    if key is not None:
        await uow.idempotency_keys.answer(key, view)
    return CatalogueAnswer(view)


def _fingerprint(*request: object) -> str:
    """The request a key came with, compared and stored as a hash of its fields."""
    return hashlib.sha256(json.dumps(request).encode()).hexdigest()
