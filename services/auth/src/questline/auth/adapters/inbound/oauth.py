"""Authlib's authorisation server on our storage: the grants (client credentials,
authorisation code with PKCE and OpenID Connect, refresh with rotation), RFC 9068 JWT
access tokens and RFC 7009 revocation. Authlib is synchronous; the routes call it in a
worker thread with the request already read (`FormRequest`)."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from authlib.common.security import generate_token
from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    ClientMixin,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Payload,
    OAuth2Request,
    grants,
)
from authlib.oauth2.rfc6749.models import AuthorizationCodeMixin, TokenMixin
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode

from questline.auth.adapters.outbound.keys import ALGORITHM, SigningKeys
from questline.auth.adapters.outbound.store import SqlGrants, Store, digest
from questline.auth.application.ports import Accounts, Clients, PasswordHasher
from questline.auth.domain import scopes
from questline.auth.domain.accounts import Account
from questline.auth.domain.clients import Client
from questline.auth.settings import AuthSettings

# Authlib logs issued tokens at DEBUG: never let a token reach a log line (the
# service_kit logging set-up says the same; this holds for the commands too).
logging.getLogger("authlib").setLevel(logging.WARNING)


def utc_now() -> datetime:
    return datetime.now(UTC)


# -- the request as Authlib reads it ----------------------------------------------------
class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, data: dict[str, str], datalist: dict[str, list[str]]) -> None:
        self._data = data
        self._datalist = defaultdict(list, datalist)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


@dataclass(frozen=True)
class HttpRequest:
    """What a route read from the HTTP request, before leaving the event loop."""

    method: str
    url: str
    headers: Mapping[str, str]
    query: list[tuple[str, str]]
    form: list[tuple[str, str]]


class FormRequest(OAuth2Request):  # type: ignore[misc]
    def __init__(self, http: HttpRequest) -> None:
        super().__init__(method=http.method, uri=http.url, headers=http.headers)
        pairs = http.query + http.form
        datalist: dict[str, list[str]] = defaultdict(list)
        for key, value in pairs:
            datalist[key].append(value)
        self._args = {k: v for k, v in http.query}
        self._form = {k: v for k, v in http.form}
        self.payload = _Payload({k: v[0] for k, v in datalist.items()}, datalist)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


# -- models as Authlib expects them ----------------------------------------------------
class OAuthClient(ClientMixin):  # type: ignore[misc]
    def __init__(self, client: Client, hasher: PasswordHasher) -> None:
        self.client = client
        self.hasher = hasher

    def get_client_id(self) -> str:
        return self.client.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.client.redirect_uris[0] if self.client.redirect_uris else None

    def get_allowed_scope(self, scope: str) -> str:
        """What was asked and is allowed; all this client may have when nothing was."""
        return scopes.grant(scopes.parse(scope) or self.client.scopes, self.client.scopes)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.client.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        secret_hash = self.client.secret_hash
        return secret_hash is not None and self.hasher.verify(secret_hash, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.client.public:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.client.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.client.grant_types


class OAuthUser:
    def __init__(self, account: Account) -> None:
        self.account = account

    def get_user_id(self) -> str:
        return self.account.username


class StoredCode(AuthorizationCodeMixin):  # type: ignore[misc]
    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row

    def get_redirect_uri(self) -> str:
        return str(self.row["redirect_uri"])

    def get_scope(self) -> str:
        return str(self.row["scope"])

    def get_nonce(self) -> str | None:
        return self.row.get("nonce")

    def get_auth_time(self) -> int:
        return int(self.row["auth_time"])

    def get_acr(self) -> str | None:
        return None

    def get_amr(self) -> list[str] | None:
        return ["pwd"]

    # PKCE
    @property
    def code_challenge(self) -> str | None:
        return self.row.get("code_challenge")

    @property
    def code_challenge_method(self) -> str | None:
        return self.row.get("code_challenge_method")


class StoredRefreshToken(TokenMixin):  # type: ignore[misc]
    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row

    def check_client(self, client: OAuthClient) -> bool:
        return bool(self.row["client_id"] == client.get_client_id())

    def get_scope(self) -> str:
        return str(self.row["scope"])

    def get_expires_in(self) -> int:
        return int((self.row["expires_at"] - utc_now()).total_seconds())

    def is_revoked(self) -> bool:
        return False

    def is_expired(self) -> bool:
        return bool(self.row["expires_at"] <= utc_now())


# -- the server ------------------------------------------------------------------------
@dataclass
class Storage:
    store: Store  # the pool the others share: opened and closed here
    accounts: Accounts
    clients: Clients
    grants: SqlGrants
    keys: SigningKeys
    hasher: PasswordHasher


class AccessTokens(JWTBearerTokenGenerator):  # type: ignore[misc]
    def __init__(self, settings: AuthSettings, storage: Storage) -> None:
        super().__init__(
            issuer=settings.issuer,
            alg=ALGORITHM,
            refresh_token_generator=lambda **_: generate_token(48),
            expires_generator=lambda client, grant_type: settings.access_token_ttl_s,
        )
        self.settings = settings
        self.storage = storage

    def get_jwks(self) -> Any:
        return self.storage.keys.signing_set(utc_now())

    def get_audiences(self, client: Any, user: Any, scope: str) -> str:
        return self.settings.audience


class Server(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, settings: AuthSettings, storage: Storage) -> None:
        super().__init__(scopes_supported=list(scopes.ALL))
        self.settings = settings
        self.storage = storage
        self.tokens = AccessTokens(settings, storage)
        self.register_token_generator("default", self.tokens)
        self.register_grant(ClientCredentials)
        self.register_grant(AuthorizationCode, [RequiredPkce(required=True), OpenIDConnect(self)])
        self.register_grant(RefreshToken)
        self.register_endpoint(Revocation)

    # Framework glue: our routes hand Authlib a FormRequest and take back a triple.
    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        return request if isinstance(request, OAuth2Request) else FormRequest(request)

    def create_json_request(self, request: Any) -> Any:
        # Only for JSON endpoints (dynamic client registration), which we do not serve.
        raise NotImplementedError("no JSON endpoint is registered")

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, Any]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass

    def query_client(self, client_id: str) -> OAuthClient | None:
        client = self.storage.clients.get(client_id)
        return OAuthClient(client, self.storage.hasher) if client is not None else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        refresh = token.get("refresh_token")
        if refresh:
            user = request.user
            self.storage.grants.save_refresh_token(
                refresh,
                request.client.get_client_id(),
                user.get_user_id() if user is not None else "",
                token.get("scope", ""),
                utc_now() + timedelta(seconds=self.settings.refresh_token_ttl_s),
            )

    def issue(self, client: OAuthClient, account: Account | None, scope: str) -> dict[str, Any]:
        """A token for a client or a person outside any HTTP flow (the `token` command)."""
        token: dict[str, Any] = self.tokens.generate(
            grant_type="questline-cli",
            client=client,
            user=OAuthUser(account) if account is not None else None,
            scope=scope,
            include_refresh_token=False,
        )
        return token


class ClientCredentials(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def validate_token_request(self) -> None:
        super().validate_token_request()
        # Authlib would quietly drop scopes the client may not have; refuse instead.
        asked = scopes.parse(self.request.payload.scope)
        if not set(asked) <= set(self.request.client.client.scopes):
            raise InvalidScopeError()


class AuthorizationCode(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
    server: Server

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        account: Account = request.user.account
        requested = scopes.parse(request.payload.scope) or list(account.scopes)
        allowed = set(account.scopes) & set(request.client.client.scopes)
        payload = request.payload.data
        settings = self.server.settings
        self.server.storage.grants.save_code(
            {
                "code": code,
                "client_id": request.client.get_client_id(),
                "username": account.username,
                "redirect_uri": request.payload.redirect_uri or "",
                "scope": scopes.grant(requested, allowed),
                "code_challenge": payload.get("code_challenge"),
                "code_challenge_method": payload.get("code_challenge_method"),
                "nonce": payload.get("nonce"),
                "auth_time": int(time.time()),
                "expires_at": utc_now() + timedelta(seconds=settings.authorization_code_ttl_s),
            }
        )

    def query_authorization_code(self, code: str, client: OAuthClient) -> StoredCode | None:
        row = self.server.storage.grants.take_code(code, client.get_client_id(), utc_now())
        return StoredCode(row) if row is not None and row["fresh"] else None

    def delete_authorization_code(self, authorization_code: StoredCode) -> None:
        pass  # taken (deleted) when it was read: a code is good once

    def authenticate_user(self, authorization_code: StoredCode) -> OAuthUser | None:
        account = self.server.storage.accounts.get(authorization_code.row["username"])
        return OAuthUser(account) if account is not None else None


class RequiredPkce(CodeChallenge):  # type: ignore[misc]
    """PKCE on every code, S256 only: Authlib alone would issue a code without a
    challenge (and only insist on a verifier later) and would accept `plain`."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE is required: send code_challenge with method S256.")
        super().validate_code_challenge(grant, redirect_uri)


class OpenIDConnect(OpenIDCode):  # type: ignore[misc]
    def __init__(self, server: Server) -> None:
        super().__init__(require_nonce=False)
        self.server = server

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return False  # codes are single-use; a nonce replay cannot mint a second code

    def resolve_client_private_key(self, client: OAuthClient) -> Any:
        return self.server.storage.keys.signing_set(utc_now())

    def get_client_algorithm(self, client: OAuthClient) -> str:
        return ALGORITHM

    def get_client_claims(self, client: OAuthClient) -> dict[str, Any]:
        now = int(time.time())
        return {
            "iss": self.server.settings.issuer,
            "aud": [client.get_client_id()],
            "iat": now,
            "exp": now + self.server.settings.access_token_ttl_s,
        }

    def get_encode_header(self, client: OAuthClient) -> dict[str, str]:
        return {"alg": ALGORITHM}

    def generate_user_info(self, user: OAuthUser, scope: str) -> UserInfo:
        account = user.account
        return UserInfo(sub=account.username, preferred_username=account.username)


class RefreshToken(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: each refresh token is spent once
    server: Server

    def authenticate_refresh_token(self, refresh_token: str) -> StoredRefreshToken | None:
        row = self.server.storage.grants.refresh_token(refresh_token, utc_now())
        return StoredRefreshToken(row) if row is not None else None

    def authenticate_user(self, refresh_token: StoredRefreshToken) -> OAuthUser | None:
        account = self.server.storage.accounts.get(refresh_token.row["username"])
        return OAuthUser(account) if account is not None else None

    def revoke_old_credential(self, refresh_token: StoredRefreshToken) -> None:
        # Two concurrent refreshes with one token: only the first wins.
        if not self.server.storage.grants.revoke_refresh_token(
            refresh_token.row["digest"], utc_now()
        ):
            raise InvalidGrantError("The refresh token was already used.")


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
    SUPPORTED_TOKEN_TYPES = ("refresh_token", "access_token")
    server: Server

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        # Access tokens are short-lived JWTs checked offline: nothing to revoke here
        # (RFC 7009 answers 200 either way). Refresh tokens are revoked.
        row = self.server.storage.grants.refresh_token(token_string, utc_now())
        return StoredRefreshToken(row) if row is not None else None

    def revoke_token(self, token: StoredRefreshToken, request: OAuth2Request) -> None:
        self.server.storage.grants.revoke_refresh_token(digest_of(token), utc_now())


def digest_of(token: StoredRefreshToken) -> str:
    return str(token.row["digest"])


__all__ = ["FormRequest", "HttpRequest", "OAuthClient", "Server", "Storage", "digest"]
