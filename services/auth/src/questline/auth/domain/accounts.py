"""People who sign in: players and operators, and the rule that locks an account after
too many wrong passwords."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from questline.auth.domain import scopes
from questline.auth.domain.errors import InvalidAccount

# A player's username is their customer id everywhere else: the same shape.
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$")
MIN_PASSWORD = 8


class Role(StrEnum):
    PLAYER = "player"
    OPERATOR = "operator"


ROLE_SCOPES: dict[Role, tuple[str, ...]] = {
    Role.PLAYER: (scopes.OPENID, scopes.PLAYER),
    Role.OPERATOR: (scopes.OPENID, scopes.LIVEOPS),
}


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    max_failures: int
    lock: timedelta


@dataclass(frozen=True, slots=True)
class Account:
    username: str
    role: Role
    password_hash: str
    failed_logins: int = 0
    locked_until: datetime | None = None

    @property
    def scopes(self) -> tuple[str, ...]:
        return ROLE_SCOPES[self.role]

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def failed(self, now: datetime, policy: LoginPolicy) -> Account:
        failures = self.failed_logins + 1
        if failures >= policy.max_failures:
            return replace(self, failed_logins=0, locked_until=now + policy.lock)
        return replace(self, failed_logins=failures)

    def signed_in(self) -> Account:
        return replace(self, failed_logins=0, locked_until=None)


def check_new_account(username: str, password: str) -> None:
    if not USERNAME.match(username):
        raise InvalidAccount(
            "A username is 1-64 letters, digits or . _ : @ -, starting with a letter or digit."
        )
    if len(password) < MIN_PASSWORD:
        raise InvalidAccount(f"A password has at least {MIN_PASSWORD} characters.")
