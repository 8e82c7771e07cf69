"""The people `make run` signs in as: one player and one operator with documented
passwords (README, "Dev accounts"), registered again at each start so the documented
password always works. For the embedded dev stack only: never on an auth database
someone pointed the stack at (QUESTLINE_AUTH_DATABASE_URL)."""

from __future__ import annotations

import os

DEV_PASSWORD = "questline-dev"
# username → role; the player's username is their customer id (the README's alice).
DEV_ACCOUNTS = {"alice": "player", "olga": "operator"}


def embedded_auth(environ: dict[str, str] | None = None) -> bool:
    return not (environ if environ is not None else os.environ).get("QUESTLINE_AUTH_DATABASE_URL")


def register_dev_accounts(auth_database_url: str, issuer: str) -> None:
    register_accounts(auth_database_url, issuer, DEV_ACCOUNTS, DEV_PASSWORD)


def register_accounts(
    auth_database_url: str, issuer: str, accounts: dict[str, str], password: str
) -> None:
    """Create (or reset the password of) each account (username → "player" or
    "operator"), as `register-player` and `register-operator` do."""
    from questline.auth import bootstrap
    from questline.auth.application.register import register_account
    from questline.auth.domain.accounts import Role
    from questline.auth.settings import AuthSettings

    settings = AuthSettings(database_url=auth_database_url, issuer=issuer)
    parts = bootstrap.storage(settings)
    parts.store.open()
    try:
        for username, role in accounts.items():
            register_account(
                username, password, Role(role), accounts=parts.accounts, hasher=parts.hasher
            )
    finally:
        parts.store.close()
