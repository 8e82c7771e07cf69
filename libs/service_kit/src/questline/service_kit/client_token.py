"""A service's own access token (OAuth 2 client credentials), for its calls to another
service: fetched from the auth service when first needed, reused until a minute before
it expires, fetched again when the callee refuses it."""

from __future__ import annotations

import asyncio
import time

import httpx

from questline.service_kit.logs import get_logger

log = get_logger(__name__)


class TokenUnavailable(Exception):
    """The auth service did not give us a token (down, or our credentials refused)."""


class ClientToken:
    def __init__(
        self, token_url: str, client_id: str, client_secret: str, scope: str, timeout_s: float = 2
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self._timeout = timeout_s
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = asyncio.Lock()

    async def authorization(self) -> str:
        """The `Authorization` header value."""
        if self._token is None or time.monotonic() >= self._renew_at:
            async with self._lock:
                if self._token is None or time.monotonic() >= self._renew_at:
                    await self._fetch()
        return f"Bearer {self._token}"

    def refused(self) -> None:
        """The callee said 401: the next call fetches a fresh token."""
        self._token = None

    async def _fetch(self) -> None:
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as http:
                response = await http.post(
                    self.token_url,
                    data={"grant_type": "client_credentials", "scope": self.scope},
                    auth=(self.client_id, self._secret),
                )
            if response.status_code != 200:
                raise TokenUnavailable(f"the token endpoint answered {response.status_code}")
            body = response.json()
            self._token = str(body["access_token"])
            lifetime = float(body.get("expires_in", 300))
        except (httpx.HTTPError, ValueError, KeyError) as error:
            log.warning("client_token_unavailable", client_id=self.client_id, error=str(error))
            raise TokenUnavailable(str(error)) from error
        self._renew_at = time.monotonic() + max(lifetime - 60, lifetime / 2)
