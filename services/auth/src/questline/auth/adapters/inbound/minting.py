"""Tokens issued outside any HTTP flow, signed with the server's current key and shaped
as the server shapes them: for the `token` command, and for test and benchmark
harnesses that act as players, operators and game backends against a running system.
Whoever can use this can read the auth database anyway."""

from __future__ import annotations

from questline.auth.adapters.inbound.oauth import OAuthClient, Server, Storage
from questline.auth.domain import scopes
from questline.auth.domain.accounts import Account, Role
from questline.auth.domain.clients import CLIENT_CREDENTIALS, Client
from questline.auth.settings import AuthSettings

GAME_BACKEND = "game-backend"


class Minter:
    def __init__(self, settings: AuthSettings, parts: Storage) -> None:
        self.settings = settings
        self.parts = parts
        self.server = Server(settings, parts)

    def close(self) -> None:
        self.parts.store.close()

    def player(self, customer_id: str) -> str:
        # Customers exist in the game before they have a password here.
        return self._person(Account(customer_id, Role.PLAYER, password_hash=""))

    def operator(self, username: str = "operator") -> str:
        return self._person(Account(username, Role.OPERATOR, password_hash=""))

    def game_backend(self, client_id: str = GAME_BACKEND) -> str:
        client = self.parts.clients.get(client_id) or Client(
            client_id, None, (CLIENT_CREDENTIALS,), (scopes.MISSIONS_REPORT,)
        )
        scope = scopes.grant([scopes.MISSIONS_REPORT], client.scopes)
        return self._issue(client, None, scope)

    def _person(self, account: Account) -> str:
        web = self.parts.clients.get(self.settings.web_client_id) or Client(
            self.settings.web_client_id, None, (), (scopes.OPENID, scopes.PLAYER, scopes.LIVEOPS)
        )
        scope = " ".join(s for s in account.scopes if s != scopes.OPENID)
        return self._issue(web, account, scope)

    def _issue(self, client: Client, account: Account | None, scope: str) -> str:
        token = self.server.issue(OAuthClient(client, self.parts.hasher), account, scope)
        return str(token["access_token"])
