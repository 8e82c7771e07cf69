"""End-to-end helpers: the system called through its gateway with real tokens, as its
users call it, and the settle/invariant check. Platform endpoints (health, metrics) and
process control stay on the services' own ports."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import httpx
import pytest

from questline.devstack.stack import Stack
from questline.devstack.testing import eventually


@dataclass
class Api:
    """The running system as its users call it: the game backend reports achievements
    with its token, each player exchanges with their own, an operator reads the rest."""

    stack: Stack
    client: httpx.AsyncClient  # sends an operator's token unless told otherwise
    game_token: str  # from the token endpoint, by client credentials

    def as_player(self, customer: str) -> dict[str, str]:
        """A player's token, signed by the running auth service's key (the sign-in page
        is exercised on its own in test_sign_in)."""
        return {"Authorization": f"Bearer {self.stack.tokens().player(customer)}"}

    def as_game_backend(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.game_token}"}

    def public(self, path: str) -> str:
        """A public path, through the gateway."""
        return self.stack.gateway_url + path

    @staticmethod
    def customers(n: int, prefix: str = "p") -> list[str]:
        """Fresh customer ids: tests share one running system, never a customer."""
        run = uuid.uuid4().hex[:6]
        return [f"{prefix}-{run}-{i}" for i in range(n)]

    def url(self, service: str, path: str) -> str:
        """A service's own port: platform endpoints, and tests of the service itself."""
        return self.stack.url(service) + path

    async def achieve(
        self, customer: str, code: str = "first-win", key: str | None = None
    ) -> httpx.Response:
        headers = {"Idempotency-Key": key} if key else {}
        headers |= self.as_game_backend()
        return await self.client.post(
            self.public("/missions"),
            json={"customerId": customer, "missionCode": code},
            headers=headers,
        )

    async def achieve_many(
        self, customers: Sequence[str], per_customer: int, concurrency: int = 32
    ) -> list[dict]:
        gate = asyncio.Semaphore(concurrency)

        async def one(customer: str) -> dict:
            async with gate:
                response = await self.achieve(customer)
                assert response.status_code == 201, response.text
                return response.json()

        return list(await asyncio.gather(*(one(c) for c in customers for _ in range(per_customer))))

    async def get(self, service: str, path: str) -> dict:
        """GET a public path through the gateway (`service` says whose it is)."""
        response = await self.client.get(self.public(path))
        assert response.status_code == 200, response.text
        return response.json()

    async def settled(self, customer: str, achievements: int) -> bool:
        """True once every achievement of `customer` has its reward everywhere."""
        missions = (await self.get("mission", f"/missions?customerId={customer}"))["items"]
        if len(missions) != achievements or any(m["rewardId"] is None for m in missions):
            return False
        wallet = (await self.get("wallet", f"/wallets/{customer}"))["rewards"]
        if len(wallet) < achievements:
            return False
        page = await self.get("mypage", f"/mypage/{customer}")
        return (
            len(page["missions"]) == achievements
            and len(page["wallet"]) == achievements
            and all(m["rewardId"] for m in page["missions"])
        )

    async def assert_invariants(self, customer: str, achievements: int) -> None:
        """Invariants 1, 2 and 6 of SYSTEM.md, checked over the public APIs."""
        missions = (await self.get("mission", f"/missions?customerId={customer}"))["items"]
        rewards = await self.get("reward", f"/rewards?customerId={customer}&limit=1000")
        rewards = rewards["items"]
        wallet = (await self.get("wallet", f"/wallets/{customer}"))["rewards"]
        page = await self.get("mypage", f"/mypage/{customer}")
        assert len(missions) == achievements
        # 1. every achievement has exactly one reward, none doubled
        assert sorted(r["missionId"] for r in rewards) == sorted(m["id"] for m in missions)
        # 2. each reward is in the wallet exactly once; the achievement names that reward
        assert sorted(w["rewardId"] for w in wallet) == sorted(r["id"] for r in rewards)
        reward_of = {r["missionId"]: r["id"] for r in rewards}
        assert all(m["rewardId"] == reward_of[m["id"]] for m in missions)
        # 6. My Page shows exactly what mission and wallet hold
        assert {(m["missionId"], m["rewardId"]) for m in page["missions"]} == {
            (m["id"], m["rewardId"]) for m in missions
        }
        assert {(w["rewardId"], w["status"]) for w in page["wallet"]} == {
            (w["rewardId"], w["status"]) for w in wallet
        }

    async def wait_settled(
        self, customers: Sequence[str], achievements: int, timeout: float = 90
    ) -> None:
        for customer in customers:
            await eventually(lambda c=customer: self.settled(c, achievements), timeout=timeout)
        for customer in customers:
            await self.assert_invariants(customer, achievements)

    # --- the exchange -----------------------------------------------------------------
    async def rewards_of(self, customer: str) -> list[dict]:
        return (await self.get("wallet", f"/wallets/{customer}"))["rewards"]

    async def new_gift(self, stock: int, name: str = "Test gift") -> dict:
        response = await self.client.post(
            self.public("/gifts"), json={"name": name, "stock": stock}
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def exchange(
        self, customer: str, reward_id: str, gift_id: str, wallet_url: str | None = None
    ) -> httpx.Response:
        base = wallet_url or self.stack.gateway_url
        return await self.client.post(
            f"{base}/wallets/{customer}/rewards/{reward_id}/exchange",
            json={"giftId": gift_id},
            headers=self.as_player(customer),
        )

    async def exchange_settled(self, customers: Sequence[str]) -> bool:
        """Invariants 3 and 5 hold (they may lag while events travel)."""
        for customer in customers:
            wallet = await self.rewards_of(customer)
            rewards = (await self.get("reward", f"/rewards?customerId={customer}"))["items"]
            exchanges = (await self.get("gift", f"/exchanges?customerId={customer}"))["items"]
            exchanged = {
                (w["rewardId"], w["giftId"], w["exchangeId"])
                for w in wallet
                if w["status"] == "EXCHANGED"
            }
            records = {(x["rewardId"], x["giftId"], x["id"]) for x in exchanges}
            if exchanged != records or len(records) != len(exchanges):
                return False
            reward_done = {r["id"] for r in rewards if r["status"] == "EXCHANGED"}
            if reward_done != {w[0] for w in exchanged}:
                return False
        return True

    async def assert_exchange_invariants(
        self, customers: Sequence[str], gift_ids: Sequence[str]
    ) -> None:
        """Invariants 3, 4 and 5 of SYSTEM.md over the public APIs, once settled."""
        await eventually(lambda: self.exchange_settled(customers), timeout=60)
        for gift_id in gift_ids:
            gift = await self.get("gift", f"/gifts/{gift_id}")
            assert gift["stock"] >= 0
            assert gift["stockedTotal"] == gift["stock"] + gift["exchangedCount"]


@pytest.fixture
async def api(stack: Stack) -> AsyncIterator[Api]:
    operator = {"Authorization": f"Bearer {stack.tokens().operator()}"}
    async with httpx.AsyncClient(timeout=30, headers=operator) as client:
        yield Api(stack, client, await game_backend_token(stack))


async def game_backend_token(stack: Stack) -> str:
    """What a game backend does: client credentials at the token endpoint."""
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            stack.gateway_url + "/oauth/token",
            data={"grant_type": "client_credentials", "scope": "missions:report"},
            auth=("game-backend", stack.client_secret("game-backend")),
        )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])
