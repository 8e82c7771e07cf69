"""Registering people and applications (operator commands)."""

from __future__ import annotations

from collections.abc import Iterable

from questline.auth.application.ports import Accounts, Clients, PasswordHasher
from questline.auth.domain import scopes
from questline.auth.domain.accounts import Account, Role, check_new_account
from questline.auth.domain.clients import GRANT_TYPES, Client
from questline.auth.domain.errors import InvalidAccount


def register_account(
    username: str, password: str, role: Role, *, accounts: Accounts, hasher: PasswordHasher
) -> Account:
    """Creates the account, or sets a new password (and role) on an existing one."""
    check_new_account(username, password)
    account = Account(username=username, role=role, password_hash=hasher.hash(password))
    accounts.save(account)
    return account


def register_client(
    client_id: str,
    *,
    secret: str | None,
    grant_types: Iterable[str],
    allowed_scopes: Iterable[str],
    redirect_uris: Iterable[str] = (),
    clients: Clients,
    hasher: PasswordHasher,
) -> Client:
    grants = tuple(grant_types)
    wanted = tuple(allowed_scopes)
    if unknown := [g for g in grants if g not in GRANT_TYPES]:
        raise InvalidAccount(f"Unknown grant types: {', '.join(unknown)}.")
    if unknown := [s for s in wanted if s not in scopes.ALL]:
        raise InvalidAccount(f"Unknown scopes: {', '.join(unknown)}.")
    if secret is None and "client_credentials" in grants:
        raise InvalidAccount("Client credentials need a secret.")
    if secret is not None and len(secret) < 16:
        raise InvalidAccount("A client secret has at least 16 characters.")
    client = Client(
        client_id=client_id,
        secret_hash=hasher.hash(secret) if secret is not None else None,
        grant_types=grants,
        scopes=wanted,
        redirect_uris=tuple(redirect_uris),
    )
    clients.save(client)
    return client
