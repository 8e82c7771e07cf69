"""Read use cases on wallets."""

from __future__ import annotations

from questline.wallet.application.ports import ReadUnitOfWork
from questline.wallet.domain.wallet import Wallet


async def wallet_of(customer_id: str, uow: ReadUnitOfWork) -> Wallet:
    """A customer with no rewards yet has an empty wallet, not a missing one."""
    async with uow:
        return Wallet(customer_id, list(await uow.wallet.for_customer(customer_id)))
