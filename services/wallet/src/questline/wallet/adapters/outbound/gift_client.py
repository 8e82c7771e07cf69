"""HttpGiftCatalogue: wallet's one synchronous call (POST gift /exchanges), guarded by
timeouts, a bulkhead (cap on concurrent calls) and a circuit breaker (purgatory).

On aiohttp: httpx (with httpcore and anyio) cost ~60 % of wallet's CPU per exchange,
a sixth of it an import attempt on every call to learn which async library runs.

Only failures of gift itself count against the breaker: no answer, 5xx, a broken
connection. A business answer (unknown gift, out of stock) is a healthy gift.
"""

from __future__ import annotations

import math
import time
from datetime import datetime
from typing import Any

import aiohttp
import orjson
from prometheus_client import Counter, Gauge, Histogram
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState

from questline.service_kit.client_token import ClientToken, TokenUnavailable
from questline.service_kit.logs import get_logger
from questline.wallet.application.ports import GiftExchange
from questline.wallet.domain.errors import GiftNotFound, GiftShopUnavailable, OutOfStock

log = get_logger(__name__)

CIRCUIT = "gift"
_STATES = {"closed": 0, "half-opened": 1, "opened": 2}
CALLS = Counter("questline_gift_calls_total", "Calls from wallet to gift by outcome", ["outcome"])
CALL_SECONDS = Histogram(
    "questline_gift_call_seconds",
    "Latency of wallet → gift calls",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5),
)
CIRCUIT_STATE = Gauge(
    "questline_gift_circuit_state", "Circuit to gift: 0 closed, 1 half-open, 2 open"
)
IN_FLIGHT = Gauge("questline_gift_calls_in_flight", "Calls to gift in progress")

OUT_OF_STOCK = "https://questline.dev/problems/out-of-stock"
GIFT_NOT_FOUND = "https://questline.dev/problems/gift-not-found"


class _GiftFailed(Exception):
    """Gift answered, but not as a healthy gift does (5xx, garbage): counts as failure."""


class HttpGiftCatalogue:
    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout_s: float,
        read_timeout_s: float,
        max_concurrent_calls: int,
        breaker_threshold: int,
        breaker_cooldown_s: float,
        retry_after_s: int,
        token: ClientToken | None = None,
    ) -> None:
        self._token = token
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=connect_timeout_s, sock_connect=connect_timeout_s,
            sock_read=read_timeout_s,
        )  # fmt: skip
        self._session: aiohttp.ClientSession | None = None  # made in the running loop
        self._max = max_concurrent_calls
        self._in_flight = 0
        self._retry_after = retry_after_s
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=breaker_threshold,
            default_ttl=breaker_cooldown_s,
            exclude=[GiftNotFound, OutOfStock],
        )
        self._breakers.add_listener(self._on_breaker_event)
        CIRCUIT_STATE.set(0)

    async def unavailable_for(self) -> int | None:
        context = (await self._breakers.get_breaker(CIRCUIT)).context
        if context.state != "opened" or context.opened_at is None:
            return None
        wait = context.opened_at + context.ttl - time.time()
        if wait <= 0:
            return None  # cooled down: the next call probes gift (half-open)
        CALLS.labels("rejected_open").inc()
        return max(1, math.ceil(wait))

    async def exchange(self, reward_id: str, customer_id: str, gift_id: str) -> GiftExchange:
        if self._in_flight >= self._max:  # bulkhead: refuse at once rather than queue
            CALLS.labels("rejected_bulkhead").inc()
            raise GiftShopUnavailable("too many calls in progress", self._retry_after)
        breaker = await self._breakers.get_breaker(CIRCUIT)
        started = time.perf_counter()
        try:
            async with breaker:
                return await self._call(reward_id, customer_id, gift_id)
        except OpenedState as opened:
            CALLS.labels("rejected_open").inc()
            wait = opened.opened_at + breaker.context.ttl - time.time()
            raise GiftShopUnavailable("circuit open", max(1, math.ceil(wait))) from None
        except TimeoutError as error:  # aiohttp's timeouts derive from it
            CALLS.labels("timeout").inc()
            raise GiftShopUnavailable("timeout", self._retry_after) from error
        except (aiohttp.ClientError, _GiftFailed, TokenUnavailable) as error:
            CALLS.labels("error").inc()
            raise GiftShopUnavailable(type(error).__name__, self._retry_after) from error
        finally:
            CALL_SECONDS.observe(time.perf_counter() - started)

    async def _call(self, reward_id: str, customer_id: str, gift_id: str) -> GiftExchange:
        self._in_flight += 1
        IN_FLIGHT.inc()
        body = orjson.dumps({"rewardId": reward_id, "customerId": customer_id, "giftId": gift_id})
        headers = {"Content-Type": "application/json"}
        try:
            if self._token is not None:
                headers["Authorization"] = await self._token.authorization()
            async with self._client().post(
                self._base_url + "/exchanges", data=body, headers=headers
            ) as response:
                status, content = response.status, await response.read()
        finally:
            self._in_flight -= 1
            IN_FLIGHT.dec()
        if status in (200, 201):
            CALLS.labels("exchanged").inc()
            return _exchange(_json(content))
        if status == 401 and self._token is not None:
            self._token.refused()  # expired or its key rotated out: fetch anew next time
        problem_type = _problem_type(content)
        if status == 404 and problem_type == GIFT_NOT_FOUND:
            CALLS.labels("gift_not_found").inc()
            raise GiftNotFound(gift_id)
        if status == 409 and problem_type == OUT_OF_STOCK:
            CALLS.labels("out_of_stock").inc()
            raise OutOfStock(gift_id)
        raise _GiftFailed(f"gift answered {status}: {content[:200]!r}")

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                # The bulkhead already caps calls; the pool only keeps them alive.
                connector=aiohttp.TCPConnector(limit=self._max, limit_per_host=self._max),
            )
        return self._session

    async def state(self) -> dict[str, Any]:
        """The breaker as an operator sees it (for the admin endpoint)."""
        context = (await self._breakers.get_breaker(CIRCUIT)).context
        return {
            "name": CIRCUIT,
            "state": context.state,
            "failureCount": context.failure_count or 0,
            "openedAt": context.opened_at,
            "threshold": context.threshold,
            "cooldownSeconds": context.ttl,
            "inFlight": self._in_flight,
            "maxConcurrentCalls": self._max,
        }

    def _on_breaker_event(self, name: str, event_name: str, event: Any) -> None:
        if event_name == "state_changed":
            state = getattr(event, "state", "closed")
            CIRCUIT_STATE.set(_STATES.get(state, 0))
            log.warning("circuit_state_changed", circuit=name, state=state)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def _exchange(body: dict[str, Any]) -> GiftExchange:
    try:
        return GiftExchange(
            str(body["id"]), str(body["giftId"]), datetime.fromisoformat(str(body["exchangedAt"]))
        )
    except (KeyError, ValueError, TypeError) as error:
        raise _GiftFailed(f"unreadable exchange: {error}") from error


def _json(content: bytes) -> dict[str, Any]:
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError as error:
        raise _GiftFailed(f"unreadable answer: {error}") from error
    if not isinstance(body, dict):
        raise _GiftFailed("unreadable answer: not an object")
    return body


def _problem_type(content: bytes) -> str | None:
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        return None
    return body.get("type") if isinstance(body, dict) else None
