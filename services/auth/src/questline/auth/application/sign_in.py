"""Sign-in by password: no answer tells an unknown user from a wrong password."""

from __future__ import annotations

from datetime import datetime

from questline.auth.application.ports import Accounts, PasswordHasher
from questline.auth.domain.accounts import Account, LoginPolicy
from questline.auth.domain.errors import SignInRefused


def sign_in(
    username: str,
    password: str,
    *,
    accounts: Accounts,
    hasher: PasswordHasher,
    policy: LoginPolicy,
    decoy_hash: str,
    now: datetime,
) -> Account:
    account = accounts.get(username)
    if account is None:
        hasher.verify(decoy_hash, password)  # the same work as a real check: no timing tell
        raise SignInRefused
    if account.locked(now):
        raise SignInRefused
    if not hasher.verify(account.password_hash, password):
        accounts.save(account.failed(now, policy))
        raise SignInRefused
    if account.failed_logins or account.locked_until:
        account = account.signed_in()
        accounts.save(account)
    return account
