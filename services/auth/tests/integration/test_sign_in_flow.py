"""Authorisation code with PKCE for the web app: players and operators sign in, codes
are good once, refresh tokens rotate and can be revoked."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from .conftest import (
    CALLBACK,
    PASSWORD,
    WEB,
    Pkce,
    authorize_query,
    code_of,
    redeem,
    sign_in,
    signed_in_tokens,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("people")]
REFUSED = "Wrong username or password"


async def claims_of(auth: httpx.AsyncClient, token: str) -> dict:
    keys = KeySet.import_key_set((await auth.get("/.well-known/jwks.json")).json())
    return dict(jwt.decode(token, keys, algorithms=["RS256"]).claims)


async def test_the_authorisation_endpoint_shows_a_sign_in_page(auth: httpx.AsyncClient) -> None:
    response = await auth.get("/oauth/authorize", params=authorize_query(Pkce.new()))
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert 'name="password"' in response.text and WEB in response.text


async def test_a_player_signs_in_and_gets_tokens_for_their_customer_id(
    auth: httpx.AsyncClient,
) -> None:
    tokens = await signed_in_tokens(auth)
    claims = await claims_of(auth, tokens["access_token"])
    assert claims["sub"] == "alice"
    assert claims["scope"] == "openid player"
    assert claims["client_id"] == WEB
    assert tokens["refresh_token"] and tokens["id_token"]
    id_claims = await claims_of(auth, tokens["id_token"])
    assert id_claims["sub"] == "alice" and id_claims["aud"] == [WEB]


async def test_a_player_asking_for_liveops_gets_only_player(auth: httpx.AsyncClient) -> None:
    tokens = await signed_in_tokens(auth, "alice", "openid player liveops")
    assert (await claims_of(auth, tokens["access_token"]))["scope"] == "openid player"


async def test_an_operator_gets_liveops(auth: httpx.AsyncClient) -> None:
    tokens = await signed_in_tokens(auth, "olga", "openid liveops")
    claims = await claims_of(auth, tokens["access_token"])
    assert claims["sub"] == "olga" and claims["scope"] == "openid liveops"


async def test_a_code_is_good_once(auth: httpx.AsyncClient) -> None:
    pkce = Pkce.new()
    code = code_of(await sign_in(auth, "alice", PASSWORD, pkce))
    assert (await redeem(auth, code, pkce.verifier)).status_code == 200
    replay = await redeem(auth, code, pkce.verifier)
    assert replay.status_code == 400
    assert replay.headers["content-type"] == "application/problem+json"
    assert replay.json()["error"] == "invalid_grant"


async def test_a_pkce_verifier_that_does_not_match_is_refused(auth: httpx.AsyncClient) -> None:
    code = code_of(await sign_in(auth, "alice", PASSWORD, Pkce.new()))
    response = await redeem(auth, code, Pkce.new().verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_the_web_app_must_use_pkce(auth: httpx.AsyncClient) -> None:
    response = await sign_in(auth, "alice", PASSWORD, None)
    assert response.status_code == 302  # back to the client, with an error and no code
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["error"] == ["invalid_request"] and "code" not in query


async def test_an_unregistered_redirect_uri_is_never_redirected_to(
    auth: httpx.AsyncClient,
) -> None:
    query = authorize_query(Pkce.new()) | {"redirect_uri": "https://evil.example/cb"}
    response = await auth.get("/oauth/authorize", params=query)
    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_wrong_password_and_an_unknown_user_read_the_same(
    auth: httpx.AsyncClient,
) -> None:
    wrong = await sign_in(auth, "alice", "not her password", Pkce.new())
    unknown = await sign_in(auth, "nobody-here", "not her password", Pkce.new())
    assert wrong.status_code == unknown.status_code == 401
    assert REFUSED in wrong.text and REFUSED in unknown.text
    assert "location" not in wrong.headers


async def test_after_five_wrong_passwords_even_the_right_one_is_refused_for_a_while(
    auth: httpx.AsyncClient,
) -> None:
    for _ in range(5):
        assert (await sign_in(auth, "alice", "guess guess", Pkce.new())).status_code == 401
    locked = await sign_in(auth, "alice", PASSWORD, Pkce.new())
    assert locked.status_code == 401 and REFUSED in locked.text


async def test_a_refresh_token_gives_new_tokens_once(auth: httpx.AsyncClient) -> None:
    tokens = await signed_in_tokens(auth)
    form = {"grant_type": "refresh_token", "client_id": WEB}
    first = await auth.post("/oauth/token", data=form | {"refresh_token": tokens["refresh_token"]})
    assert first.status_code == 200, first.text
    assert first.json()["refresh_token"] != tokens["refresh_token"]
    again = await auth.post("/oauth/token", data=form | {"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


async def test_a_revoked_refresh_token_stops_working(auth: httpx.AsyncClient) -> None:
    tokens = await signed_in_tokens(auth)
    revoked = await auth.post(
        "/oauth/revoke",
        data={
            "token": tokens["refresh_token"],
            "token_type_hint": "refresh_token",
            "client_id": WEB,
        },
    )
    assert revoked.status_code == 200, revoked.text
    refresh = await auth.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": WEB,
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert refresh.status_code == 400


async def test_userinfo_names_the_bearer(auth: httpx.AsyncClient) -> None:
    tokens = await signed_in_tokens(auth)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await auth.get("/oauth/userinfo", headers=bearer)).json()["sub"] == "alice"
    assert (await auth.get("/oauth/userinfo")).status_code == 401


async def test_the_redirect_carries_the_code_to_the_registered_callback(
    auth: httpx.AsyncClient,
) -> None:
    response = await sign_in(auth, "alice", PASSWORD, Pkce.new())
    assert response.headers["location"].startswith(CALLBACK + "?")
