"""Steady load as the system's users make it, through the gateway: a game backend
reports achievements (retrying with the same Idempotency-Key until it has an answer,
as a careful client does), players exchange their rewards (retrying the same request).
Every attempt's answer is counted; every accepted operation is remembered, to be found
again once the dust settles."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import httpx

# An answer that settles an operation: accepted, or refused for good.
FINAL_REFUSALS = {400, 403, 404, 409, 413, 422}
MAX_ATTEMPTS = 40
IN_FLIGHT_CAP = 300  # beyond this a fault holds too much: count it, do not pile up


@dataclass
class Tally:
    """What one kind of operation met: every attempt's answer, and how each ended."""

    attempts: Counter[str] = field(default_factory=Counter)  # "201", "503", "ConnectError"
    accepted: int = 0
    refused: Counter[str] = field(default_factory=Counter)  # final 4xx, by status
    abandoned: int = 0  # MAX_ATTEMPTS without an answer: the outcome is unknown
    skipped: int = 0  # not sent: too many still in flight
    # When each answer other than success came (seconds into the run), by answer.
    troubles: list[tuple[float, str]] = field(default_factory=list)

    def saw(self, answer: str, at: float) -> None:
        self.attempts[answer] += 1
        if not answer.startswith("2") and not (answer.isdigit() and int(answer) in FINAL_REFUSALS):
            self.troubles.append((at, answer))

    def as_dict(self) -> dict[str, Any]:
        return {
            "attempted": self.accepted + sum(self.refused.values()) + self.abandoned,
            "accepted": self.accepted,
            "refused": dict(self.refused),
            "abandoned": self.abandoned,
            "skipped": self.skipped,
            "answers": dict(sorted(self.attempts.items())),
        }


@dataclass
class Load:
    gateway: str
    customers: list[str]
    gift_ids: list[str]
    game_token: str  # minted for the run (they outlive it): auth may be down meanwhile
    player_tokens: dict[str, str]
    rng: random.Random
    clock: Callable[[], float]
    achievements: Tally = field(default_factory=Tally)
    exchanges: Tally = field(default_factory=Tally)
    accepted_achievements: dict[str, tuple[str, str]] = field(default_factory=dict)  # key ->
    unknown_achievements: dict[str, str] = field(default_factory=dict)  # key -> customer
    accepted_exchanges: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    _taken: set[str] = field(default_factory=set)  # rewards with an exchange under way
    _in_flight: set[asyncio.Task[None]] = field(default_factory=set)

    async def run(
        self, client: httpx.AsyncClient, stop: asyncio.Event, per_s: float, exchange_per_s: float
    ) -> None:
        """Open loop: operations start on schedule whether or not earlier ones ended."""
        await asyncio.gather(
            self._pace(stop, per_s, lambda: self._achieve(client), self.achievements),
            self._pace(stop, exchange_per_s, lambda: self._exchange(client), self.exchanges),
        )

    async def drain(self, timeout: float) -> None:
        """Let the operations under way finish (their retries included)."""
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=timeout)

    async def _pace(
        self,
        stop: asyncio.Event,
        per_s: float,
        operation: Callable[[], Coroutine[Any, Any, None]],
        tally: Tally,
    ) -> None:
        if per_s <= 0:
            return
        started, sent = time.monotonic(), 0
        while not stop.is_set():
            due = started + sent / per_s
            if due > time.monotonic():
                try:
                    await asyncio.wait_for(stop.wait(), due - time.monotonic())
                    return
                except TimeoutError:
                    pass
            sent += 1
            if len(self._in_flight) >= IN_FLIGHT_CAP:
                tally.skipped += 1
                continue
            task = asyncio.create_task(operation())
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    # -- achievements ---------------------------------------------------------------
    async def _achieve(self, client: httpx.AsyncClient) -> None:
        customer = self.rng.choice(self.customers)
        key = uuid.uuid4().hex
        achievement = await self.report(client, customer, key, self.achievements)
        if achievement is None:
            self.unknown_achievements[key] = customer

    async def report(
        self, client: httpx.AsyncClient, customer: str, key: str, tally: Tally
    ) -> str | None:
        """POST /missions until it is accepted or refused; the achievement id, or None."""
        body = {"customerId": customer, "missionCode": "first-win"}
        for attempt in range(MAX_ATTEMPTS):
            headers = {"Authorization": f"Bearer {self.game_token}", "Idempotency-Key": key}
            answer, response = await _attempt(
                client, "POST", self.gateway + "/missions", body, headers
            )
            tally.saw(answer, self.clock())
            if answer == "201" and response is not None:
                achievement = str(response.json()["id"])
                tally.accepted += 1
                self.accepted_achievements[key] = (customer, achievement)
                return achievement
            if response is not None and response.status_code in FINAL_REFUSALS:
                tally.refused[answer] += 1
                return None
            await asyncio.sleep(_pause(attempt, response))
        tally.abandoned += 1
        return None

    # -- exchanges ------------------------------------------------------------------
    async def _exchange(self, client: httpx.AsyncClient) -> None:
        customer = self.rng.choice(self.customers)
        headers = {"Authorization": f"Bearer {self.player_tokens[customer]}"}
        answer, response = await _attempt(
            client, "GET", f"{self.gateway}/wallets/{customer}", None, headers
        )
        if response is None or response.status_code != 200:
            self.exchanges.saw(f"wallet read {answer}", self.clock())
            return
        available = [
            r["rewardId"]
            for r in response.json()["rewards"]
            if r["status"] == "AVAILABLE" and r["rewardId"] not in self._taken
        ]
        if not available:
            return
        reward = self.rng.choice(available)
        gift = self.rng.choice(self.gift_ids)
        self._taken.add(reward)
        url = f"{self.gateway}/wallets/{customer}/rewards/{reward}/exchange"
        for attempt in range(MAX_ATTEMPTS):
            answer, response = await _attempt(client, "POST", url, {"giftId": gift}, headers)
            self.exchanges.saw(answer, self.clock())
            if answer == "200" and response is not None:
                self.exchanges.accepted += 1
                self.accepted_exchanges[reward] = (customer, gift, response.json()["exchangeId"])
                return
            if response is not None and response.status_code in FINAL_REFUSALS:
                self.exchanges.refused[answer] += 1
                return
            await asyncio.sleep(_pause(attempt, response))
        self.exchanges.abandoned += 1


async def _attempt(
    client: httpx.AsyncClient, method: str, url: str, body: Any, headers: dict[str, str]
) -> tuple[str, httpx.Response | None]:
    try:
        response = await client.request(method, url, json=body, headers=headers)
    except httpx.HTTPError as error:
        return type(error).__name__, None
    return str(response.status_code), response


def _pause(attempt: int, response: httpx.Response | None) -> float:
    """A client's back-off: Retry-After when given (capped), else growing from 0.2 s."""
    if response is not None:
        retry_after = response.headers.get("Retry-After", "")
        if retry_after.isdigit():
            return min(float(retry_after), 5.0)
    return min(2.0, 0.2 * (attempt + 1))
