"""The token endpoint and the keys: what a game backend, wallet and the services see."""

from __future__ import annotations

import httpx
import pytest
from joserfc import jwt

from questline.auth.settings import AuthSettings
from questline.service_kit.caller import TokenVerifier

from .conftest import GAME_SECRET, ISSUER

pytestmark = pytest.mark.integration


async def client_credentials(
    auth: httpx.AsyncClient, secret: str = GAME_SECRET, **form: str
) -> httpx.Response:
    return await auth.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", **form},
        auth=("game-backend", secret),
    )


async def test_discovery_names_the_gateway_as_issuer_and_every_endpoint(
    auth: httpx.AsyncClient,
) -> None:
    found = (await auth.get("/.well-known/openid-configuration")).json()
    assert found["issuer"] == ISSUER
    assert found["token_endpoint"] == f"{ISSUER}/oauth/token"
    assert found["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
    assert found["code_challenge_methods_supported"] == ["S256"]
    assert "client_credentials" in found["grant_types_supported"]


async def test_the_jwks_publishes_one_public_rs256_key_with_a_kid(
    auth: httpx.AsyncClient,
) -> None:
    keys = (await auth.get("/.well-known/jwks.json")).json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and keys[0]["kid"]
    assert "d" not in keys[0] and "p" not in keys[0]  # nothing private


async def test_a_game_backend_gets_a_token_the_services_accept(
    auth: httpx.AsyncClient, settings: AuthSettings
) -> None:
    response = await client_credentials(auth, scope="missions:report")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and "refresh_token" not in body
    jwks = (await auth.get("/.well-known/jwks.json")).json()
    verifier = TokenVerifier(jwks_url="", issuer=ISSUER, audience="questline", jwks=jwks)
    caller = await verifier.caller(f"Bearer {body['access_token']}")
    assert caller.subject == "game-backend"
    assert caller.scopes == {"missions:report"}
    token = jwt.decode(body["access_token"], _keys(jwks), algorithms=["RS256"])
    assert token.header["kid"] == jwks["keys"][0]["kid"]
    claims = token.claims
    assert claims["iss"] == ISSUER and claims["aud"] == "questline"
    assert claims["exp"] - claims["iat"] == settings.access_token_ttl_s


async def test_a_wrong_client_secret_is_a_401_problem(auth: httpx.AsyncClient) -> None:
    response = await client_credentials(auth, secret="not-the-secret-at-all")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["error"] == "invalid_client"


async def test_a_game_backend_cannot_ask_for_another_scope(auth: httpx.AsyncClient) -> None:
    response = await client_credentials(auth, scope="liveops")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


async def test_a_body_that_is_not_a_form_is_a_400_problem(auth: httpx.AsyncClient) -> None:
    response = await auth.post("/oauth/token", json={"grant_type": "client_credentials"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


async def test_an_unknown_grant_type_is_refused(auth: httpx.AsyncClient) -> None:
    response = await auth.post("/oauth/token", data={"grant_type": "password"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def _keys(jwks: dict):  # type: ignore[no-untyped-def]
    from joserfc.jwk import KeySet

    return KeySet.import_key_set(jwks)
