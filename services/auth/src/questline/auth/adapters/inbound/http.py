"""The authorisation server's HTTP face: OIDC discovery, JWKS, the authorisation
endpoint with its sign-in page, the token, revocation and userinfo endpoints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import orjson
from authlib.oauth2 import OAuth2Error
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from starlette.concurrency import run_in_threadpool

from questline.auth.adapters.inbound.login_page import login_page
from questline.auth.adapters.inbound.oauth import (
    FormRequest,
    HttpRequest,
    OAuthUser,
    Server,
    utc_now,
)
from questline.auth.adapters.outbound.keys import ALGORITHM
from questline.auth.domain import scopes
from questline.auth.domain.accounts import Account
from questline.auth.domain.errors import SignInRefused
from questline.service_kit.problems import PROBLEM_JSON, Problem

SignIn = Callable[[str, str], Account]

FORM = "application/x-www-form-urlencoded"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# The same words whether the user is unknown, the password wrong or the account locked.
REFUSED = "Wrong username or password, or too many attempts. Try again in a minute."

OAUTH_ERROR = {
    "description": "An OAuth 2 error (RFC 6749 `error`, `error_description`) as a problem",
    "content": {PROBLEM_JSON: {}},
}
TOO_LARGE = {"description": "The body is too large", "content": {PROBLEM_JSON: {}}}


def form(description: str, **fields: str) -> dict[str, Any]:
    """`openapi_extra` of a route that reads its own form (RFC 6749 parameters)."""
    properties = {name: {"type": "string", "description": text} for name, text in fields.items()}
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {FORM: {"schema": {"type": "object", "properties": properties}}},
        }
    }


TOKEN_FORM = form(
    "Client credentials (`client_secret_basic` or `client_secret_post`), an "
    "authorisation code with its PKCE verifier, or a refresh token.",
    grant_type="client_credentials, authorization_code or refresh_token",
    scope="The scopes asked for, space-separated",
    code="authorization_code: the code",
    redirect_uri="authorization_code: the redirect URI the code was sent to",
    code_verifier="authorization_code: the PKCE verifier",
    refresh_token="refresh_token: the refresh token",
    client_id="The client, when it does not authenticate with HTTP Basic",
    client_secret="client_secret_post: the client's secret",
)
REVOKE_FORM = form(
    "The token to revoke (RFC 7009), with the client's credentials.",
    token="The refresh token",
    token_type_hint="refresh_token",
    client_id="The client, when it does not authenticate with HTTP Basic",
    client_secret="client_secret_post: the client's secret",
)
SIGN_IN_FORM = form(
    "The sign-in page's form; the authorisation request stays in the query.",
    username="The account's name",
    password="The account's password",
)


async def _read(request: Request) -> HttpRequest:
    form: list[tuple[str, str]] = []
    if request.method == "POST":
        if request.headers.get("content-type", "").split(";")[0].strip() != FORM:
            raise Problem(400, "Malformed request", f"Send the parameters as {FORM}.")
        try:
            form = parse_qsl((await request.body()).decode(), keep_blank_values=True)
        except (UnicodeDecodeError, ValueError) as error:
            raise Problem(400, "Malformed request", "The form is not valid.") from error
    return HttpRequest(
        method=request.method,
        url=str(request.url),
        headers=request.headers,  # case-insensitive, as Authlib looks up "Authorization"
        query=parse_qsl(request.url.query, keep_blank_values=True),
        form=form,
    )


def _answer(status: int, body: Any, headers: Any) -> Response:
    """Authlib's (status, body, headers) as a response; its errors as problems that
    keep RFC 6749's `error` fields, which OAuth clients read."""
    headers = dict(headers or [])
    headers.pop("Content-Type", None)
    if status >= 400 and isinstance(body, dict) and "error" in body:
        problem = {
            "type": "about:blank",
            "title": "OAuth request refused",
            "status": status,
            "detail": body.get("error_description") or body["error"],
            **body,
        }
        return Response(orjson.dumps(problem), status, headers, media_type=PROBLEM_JSON)
    if status in (301, 302, 303):
        return RedirectResponse(headers.pop("Location"), status_code=status, headers=headers)
    return JSONResponse(body, status, headers)


def router(server: Server, sign_in: SignIn) -> APIRouter:
    api = APIRouter(tags=["auth"])
    settings = server.settings
    issuer = settings.issuer.rstrip("/")

    @api.get("/.well-known/openid-configuration", summary="OpenID Connect discovery")
    async def discovery() -> dict[str, Any]:
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/oauth/authorize",
            "token_endpoint": f"{issuer}/oauth/token",
            "revocation_endpoint": f"{issuer}/oauth/revoke",
            "userinfo_endpoint": f"{issuer}/oauth/userinfo",
            "jwks_uri": f"{issuer}/.well-known/jwks.json",
            "scopes_supported": list(scopes.ALL),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [ALGORITHM],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "scope", "client_id"],
        }

    @api.get("/.well-known/jwks.json", summary="The public keys that sign tokens")
    async def jwks() -> Response:
        keys = await run_in_threadpool(server.storage.keys.public_jwks, utc_now())
        return JSONResponse(keys, headers={"Cache-Control": "public, max-age=60"})

    @api.get(
        "/oauth/authorize",
        summary="Authorisation endpoint: the sign-in page (code flow with PKCE)",
        response_class=HTMLResponse,
        responses={400: OAUTH_ERROR, 302: {"description": "Back to the client with an error"}},
    )
    async def authorize_page(request: Request) -> Response:
        http = await _read(request)
        try:
            grant = await run_in_threadpool(server.get_consent_grant, FormRequest(http))
        except OAuth2Error as error:
            return _authorize_error(server, http, error)
        return HTMLResponse(
            login_page(request.url.query, grant.client.get_client_id()), headers=NO_STORE
        )

    @api.post(
        "/oauth/authorize",
        summary="Sign in, then back to the client with a code",
        response_class=HTMLResponse,
        openapi_extra=SIGN_IN_FORM,
        responses={
            302: {"description": "Back to the client with a code"},
            400: OAUTH_ERROR,
            401: {
                "description": "Sign-in refused (the page again)",
                "content": {"text/html": {"schema": {"type": "string"}}},
            },
            413: TOO_LARGE,
        },
    )
    async def authorize(request: Request) -> Response:
        http = await _read(request)
        try:
            grant = await run_in_threadpool(server.get_consent_grant, FormRequest(http))
        except OAuth2Error as error:
            return _authorize_error(server, http, error)
        form = dict(http.form)
        username = form.get("username", "")[:64]
        try:
            account = await run_in_threadpool(sign_in, username, form.get("password", ""))
        except SignInRefused:
            page = login_page(
                request.url.query, grant.client.get_client_id(), error=REFUSED, username=username
            )
            return HTMLResponse(page, status_code=401, headers=NO_STORE)
        status, body, headers = await run_in_threadpool(
            server.create_authorization_response, grant.request, OAuthUser(account), grant
        )
        return _answer(status, body, headers)

    @api.post(
        "/oauth/token",
        summary="Token endpoint: client credentials, authorisation code (PKCE), refresh",
        openapi_extra=TOKEN_FORM,
        responses={400: OAUTH_ERROR, 401: OAUTH_ERROR, 413: TOO_LARGE},
    )
    async def token(request: Request) -> Response:
        http = await _read(request)
        status, body, headers = await run_in_threadpool(
            server.create_token_response, FormRequest(http)
        )
        return _answer(status, body, headers)

    @api.post(
        "/oauth/revoke",
        summary="Revocation (RFC 7009): a refresh token stops working",
        openapi_extra=REVOKE_FORM,
        responses={400: OAUTH_ERROR, 401: OAUTH_ERROR, 413: TOO_LARGE},
    )
    async def revoke(request: Request) -> Response:
        http = await _read(request)
        result = await run_in_threadpool(
            server.create_endpoint_response, "revocation", FormRequest(http)
        )
        return _answer(*result)

    @api.get(
        "/oauth/userinfo",
        summary="Who the bearer of an access token is",
        responses={401: {"description": "No valid access token", "content": {PROBLEM_JSON: {}}}},
    )
    async def userinfo(request: Request) -> dict[str, Any]:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            raise _unauthorised("A bearer token is required.")
        published: Any = await run_in_threadpool(server.storage.keys.public_jwks, utc_now())
        keys = KeySet.import_key_set(published)
        try:
            claims = jwt.decode(header[7:].strip(), keys, algorithms=[ALGORITHM]).claims
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": issuer},
                aud={"essential": True, "value": settings.audience},
                exp={"essential": True},
            ).validate(claims)
        except (JoseError, ValueError) as error:
            raise _unauthorised("The access token is not valid.") from error
        return {"sub": claims["sub"], "scope": claims.get("scope", "")}

    return api


def _unauthorised(detail: str) -> Problem:
    return Problem(
        401, "Unauthorised", detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
    )


def _authorize_error(server: Server, http: HttpRequest, error: OAuth2Error) -> Response:
    # An unknown client or redirect URI: never redirect there (an open redirector);
    # anything else goes back to the (checked) redirect URI as RFC 6749 says.
    if error.redirect_uri:
        status, body, headers = server.handle_error_response(FormRequest(http), error)
        return _answer(status, body, headers)
    status, body, headers = error()
    return _answer(status, dict(body), headers)
