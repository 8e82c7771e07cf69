"""The auth service in process on a real, migrated PostgreSQL database (one per test),
with game-backend and wallet registered as `make run` registers them."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from questline.auth import bootstrap
from questline.auth.adapters.inbound.oauth import Storage
from questline.auth.application.register import register_account
from questline.auth.domain.accounts import Role
from questline.auth.settings import AuthSettings
from questline.devstack.testing import Infra
from questline.service_kit.migrations import upgrade

pytestmark = pytest.mark.integration

ISSUER = "http://127.0.0.1:8080"
GAME_SECRET = "game-backend-secret-for-tests"
WALLET_SECRET = "wallet-secret-for-the-tests"
WEB = "questline-web"
CALLBACK = "http://127.0.0.1:8080/callback"
PASSWORD = "correct horse battery"


@pytest.fixture
async def settings(infra: Infra) -> AuthSettings:
    import asyncio

    url = await asyncio.to_thread(infra.new_database, "auth")
    await asyncio.to_thread(upgrade, bootstrap.MIGRATIONS, url)
    return AuthSettings(
        database_url=url,
        issuer=ISSUER,
        key_publish_delay_s=0,
        seed_clients={
            "game-backend": {"secret": GAME_SECRET, "scope": "missions:report"},
            "wallet": {"secret": WALLET_SECRET, "scope": "gift:exchange"},
        },
    )


@pytest.fixture
async def auth(settings: AuthSettings) -> AsyncIterator[httpx.AsyncClient]:
    service = await bootstrap.build(settings, {"http"})
    transport = httpx.ASGITransport(app=service.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8086") as http:
        yield http
    assert service.close is not None
    await service.close()


@pytest.fixture
def storage(settings: AuthSettings, auth: httpx.AsyncClient) -> Storage:
    parts = bootstrap.storage(settings)
    parts.store.open()
    return parts


@pytest.fixture
def people(storage: Storage) -> None:
    register_account(
        "alice", PASSWORD, Role.PLAYER, accounts=storage.accounts, hasher=storage.hasher
    )
    register_account(
        "olga", PASSWORD, Role.OPERATOR, accounts=storage.accounts, hasher=storage.hasher
    )


@dataclass
class Pkce:
    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode()).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode())


def authorize_query(pkce: Pkce | None, scope: str = "openid player", **extra: str) -> dict:
    query = {
        "response_type": "code",
        "client_id": WEB,
        "redirect_uri": CALLBACK,
        "scope": scope,
        "state": "st-123",
        **extra,
    }
    if pkce is not None:
        query |= {"code_challenge": pkce.challenge, "code_challenge_method": "S256"}
    return query


async def sign_in(
    auth: httpx.AsyncClient,
    username: str,
    password: str,
    pkce: Pkce | None,
    scope: str = "openid player",
) -> httpx.Response:
    return await auth.post(
        "/oauth/authorize",
        params=authorize_query(pkce, scope),
        data={"username": username, "password": password},
    )


def code_of(response: httpx.Response) -> str:
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == ["st-123"]
    return query["code"][0]


async def redeem(auth: httpx.AsyncClient, code: str, verifier: str) -> httpx.Response:
    return await auth.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": WEB,
            "code_verifier": verifier,
        },
    )


async def signed_in_tokens(
    auth: httpx.AsyncClient, username: str = "alice", scope: str = "openid player"
) -> dict[str, Any]:
    pkce = Pkce.new()
    code = code_of(await sign_in(auth, username, PASSWORD, pkce, scope))
    response = await redeem(auth, code, pkce.verifier)
    assert response.status_code == 200, response.text
    return dict(response.json())
