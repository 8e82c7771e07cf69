"""Sign-in rules without I/O: lockout, no enumeration, scopes a role may hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from questline.auth.application.sign_in import sign_in
from questline.auth.domain import scopes
from questline.auth.domain.accounts import Account, LoginPolicy, Role, check_new_account
from questline.auth.domain.errors import InvalidAccount, SignInRefused

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
POLICY = LoginPolicy(max_failures=3, lock=timedelta(seconds=60))


class Plain:
    """A hasher that stores the password as it is (tests only)."""

    calls = 0

    def hash(self, password: str) -> str:
        return "h:" + password

    def verify(self, password_hash: str, password: str) -> bool:
        self.calls += 1
        return password_hash == "h:" + password


class Memory:
    def __init__(self, *accounts: Account) -> None:
        self.rows = {a.username: a for a in accounts}

    def get(self, username: str) -> Account | None:
        return self.rows.get(username)

    def save(self, account: Account) -> None:
        self.rows[account.username] = account


def attempt(accounts: Memory, password: str, at: datetime = NOW, user: str = "alice") -> Account:
    return sign_in(
        user,
        password,
        accounts=accounts,
        hasher=Plain(),
        policy=POLICY,
        decoy_hash="h:decoy",
        now=at,
    )


def test_the_right_password_signs_in() -> None:
    accounts = Memory(Account("alice", Role.PLAYER, "h:secret-pass"))
    assert attempt(accounts, "secret-pass").username == "alice"


def test_an_unknown_user_costs_a_password_check_too() -> None:
    hasher = Plain()
    with pytest.raises(SignInRefused):
        sign_in(
            "nobody",
            "x",
            accounts=Memory(),
            hasher=hasher,
            policy=POLICY,
            decoy_hash="h:decoy",
            now=NOW,
        )
    assert hasher.calls == 1


def test_too_many_wrong_passwords_lock_the_account_until_the_lock_ends() -> None:
    accounts = Memory(Account("alice", Role.PLAYER, "h:secret-pass"))
    for _ in range(3):
        with pytest.raises(SignInRefused):
            attempt(accounts, "wrong")
    with pytest.raises(SignInRefused):
        attempt(accounts, "secret-pass", NOW + timedelta(seconds=30))
    assert attempt(accounts, "secret-pass", NOW + timedelta(seconds=61)).failed_logins == 0


def test_a_success_forgets_earlier_failures() -> None:
    accounts = Memory(Account("alice", Role.PLAYER, "h:secret-pass"))
    with pytest.raises(SignInRefused):
        attempt(accounts, "wrong")
    attempt(accounts, "secret-pass")
    assert accounts.rows["alice"].failed_logins == 0


def test_players_and_operators_hold_their_own_scopes() -> None:
    assert Account("a", Role.PLAYER, "").scopes == (scopes.OPENID, scopes.PLAYER)
    assert scopes.LIVEOPS in Account("o", Role.OPERATOR, "").scopes


def test_granted_scopes_keep_the_asked_order_and_drop_the_rest() -> None:
    assert scopes.grant(["player", "liveops", "openid"], ["openid", "player"]) == "player openid"


@pytest.mark.parametrize(
    ("username", "password"),
    [("", "long enough"), ("has space", "long enough"), ("alice", "short"), ("-x", "longpass1")],
)
def test_an_account_needs_a_customer_id_shaped_name_and_a_real_password(
    username: str, password: str
) -> None:
    with pytest.raises(InvalidAccount):
        check_new_account(username, password)
