"""Applications that ask for tokens: game backends and wallet (confidential, client
credentials) and the web app (public: authorisation code with PKCE, no secret)."""

from __future__ import annotations

from dataclasses import dataclass

CLIENT_CREDENTIALS = "client_credentials"
AUTHORIZATION_CODE = "authorization_code"
REFRESH_TOKEN = "refresh_token"
GRANT_TYPES = (CLIENT_CREDENTIALS, AUTHORIZATION_CODE, REFRESH_TOKEN)


@dataclass(frozen=True, slots=True)
class Client:
    client_id: str
    secret_hash: str | None  # None: a public client, which must use PKCE
    grant_types: tuple[str, ...]
    scopes: tuple[str, ...]
    redirect_uris: tuple[str, ...] = ()

    @property
    def public(self) -> bool:
        return self.secret_hash is None
