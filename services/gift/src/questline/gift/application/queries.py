"""Read use cases: the gift catalogue and the exchange records."""

from __future__ import annotations

from collections.abc import Sequence

from questline.gift.application.ports import GiftView, Reader
from questline.gift.domain.errors import ExchangeNotFound, GiftNotFound
from questline.gift.domain.exchange import Exchange


async def list_gifts(reader: Reader) -> Sequence[GiftView]:
    async with reader:
        return await reader.gifts.views()


async def get_gift(gift_id: str, reader: Reader) -> GiftView:
    async with reader:
        view = await reader.gifts.view(gift_id)
        if view is None:
            raise GiftNotFound(gift_id)
        return view


async def get_exchange(exchange_id: str, reader: Reader) -> Exchange:
    async with reader:
        exchange = await reader.exchanges.get(exchange_id)
        if exchange is None:
            raise ExchangeNotFound(exchange_id)
        return exchange


async def list_exchanges(
    reader: Reader, *, customer_id: str | None, reward_id: str | None, limit: int
) -> Sequence[Exchange]:
    """Newest first; at least one filter, so an operator never scans every exchange."""
    if customer_id is None and reward_id is None:
        raise ValueError("filter by customer, by reward, or both")
    async with reader:
        return await reader.exchanges.find(
            customer_id=customer_id, reward_id=reward_id, limit=limit
        )
