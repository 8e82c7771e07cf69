"""Composition root: settings → storage → Authlib's server → the HTTP app."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from starlette.concurrency import run_in_threadpool

from questline.auth.adapters.inbound import http
from questline.auth.adapters.inbound.oauth import Server, Storage, utc_now
from questline.auth.adapters.outbound.keys import SigningKeys
from questline.auth.adapters.outbound.passwords import Argon2Hasher
from questline.auth.adapters.outbound.store import SqlAccounts, SqlClients, SqlGrants, Store
from questline.auth.application.register import register_client
from questline.auth.application.sign_in import sign_in
from questline.auth.domain import scopes
from questline.auth.domain.accounts import Account, LoginPolicy
from questline.auth.domain.clients import AUTHORIZATION_CODE, CLIENT_CREDENTIALS, REFRESH_TOKEN
from questline.auth.settings import AuthSettings
from questline.service_kit.drain import Drain
from questline.service_kit.http import create_app
from questline.service_kit.runtime import Service
from questline.service_kit.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "adapters" / "outbound" / "migrations"


def storage(settings: AuthSettings) -> Storage:
    store = Store(settings.effective_database_url())
    return Storage(
        store=store,
        accounts=SqlAccounts(store),
        clients=SqlClients(store),
        grants=SqlGrants(store),
        keys=SigningKeys(store),
        hasher=Argon2Hasher(),
    )


def prepare(settings: AuthSettings, parts: Storage) -> None:
    """Open the pool, make the first signing key, register the web app's client."""
    parts.store.open()
    parts.keys.ensure(utc_now())
    register_client(
        settings.web_client_id,
        secret=None,
        grant_types=(AUTHORIZATION_CODE, REFRESH_TOKEN),
        allowed_scopes=(scopes.OPENID, scopes.PLAYER, scopes.LIVEOPS),
        redirect_uris=settings.web_redirect_uris,
        clients=parts.clients,
        hasher=parts.hasher,
    )
    for client_id, seed in settings.seed_clients.items():
        register_client(
            client_id,
            secret=seed["secret"],
            grant_types=(CLIENT_CREDENTIALS,),
            allowed_scopes=scopes.parse(seed["scope"]),
            clients=parts.clients,
            hasher=parts.hasher,
        )


async def build(base: ServiceSettings, roles: set[str]) -> Service:
    settings = base if isinstance(base, AuthSettings) else AuthSettings()
    parts = storage(settings)
    server = Server(settings, parts)
    policy = LoginPolicy(settings.login_max_failures, timedelta(seconds=settings.login_lock_s))
    decoy = parts.hasher.hash("a password nobody has")

    def check_password(username: str, password: str) -> Account:
        return sign_in(
            username,
            password,
            accounts=parts.accounts,
            hasher=parts.hasher,
            policy=policy,
            decoy_hash=decoy,
            now=utc_now(),
        )

    async def database_ready() -> bool:
        return await run_in_threadpool(parts.store.ping)

    drain = Drain()
    app = create_app(
        title="Questline auth service",
        description="OAuth 2 / OpenID Connect authorisation server: client credentials for "
        "game backends and wallet, authorisation code with PKCE for the web app (players "
        "and operators), refresh tokens with rotation, revocation. Access tokens are RS256 "
        "JWTs (RFC 9068) with iss, aud, sub, exp, iat, scope and kid.",
        routers=[http.router(server, check_password)],
        ready_checks={"database": database_ready},
        max_body_bytes=settings.max_body_bytes,
        drain=drain,
    )
    if "http" in roles:
        await run_in_threadpool(prepare, settings, parts)

    async def close() -> None:
        await run_in_threadpool(parts.store.close)

    return Service(settings=settings, app=app, close=close, drain=drain)


def settings() -> AuthSettings:
    return AuthSettings()
