"""What the auth core needs from outside."""

from __future__ import annotations

from typing import Protocol

from questline.auth.domain.accounts import Account
from questline.auth.domain.clients import Client


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...


class Accounts(Protocol):
    def get(self, username: str) -> Account | None: ...

    def save(self, account: Account) -> None: ...


class Clients(Protocol):
    def get(self, client_id: str) -> Client | None: ...

    def save(self, client: Client) -> None: ...
