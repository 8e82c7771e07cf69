"""The gateway (Envoy) in front of the services, as the bench sees it: the rate limits a
run raises so that its load generator is not throttled, and the limits a target's
gateway uses. (Envoy's CPU per request: `bench.cpu.Meter`.)"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from questline.gateway import GatewaySettings

# The load generator speaks as one game backend and one operator: the per-client limits
# (200/s for reads by default) would measure the limit, not the gateway. The per-route
# ceilings protect a service from every client together, so they go up as well.
RAISED_LIMIT = 1_000_000
RAISED = ("client", "report", "route")  # <name>_rate_per_s and <name>_burst
# What the JSON records of a target's gateway: those, and the exchange's (not raised: the
# bench sends no exchange through the gateway).
RECORDED = tuple(f"{n}_{k}" for n in (*RAISED, "exchange") for k in ("rate_per_s", "burst"))
ENV_PREFIX = "QUESTLINE_GATEWAY_"


@contextlib.contextmanager
def raised_limits() -> Iterator[list[str]]:
    """QUESTLINE_GATEWAY_* limits set high while a Stack is built (its GatewaySettings
    read the environment then), restored after; yields the names of those raised. A
    limit whose rate or burst is already in the environment is left as it is (a burst
    must hold a second's rate)."""
    added: dict[str, str] = {}
    raised = []
    for name in RAISED:
        pair = [f"{ENV_PREFIX}{name.upper()}_{k}" for k in ("RATE_PER_S", "BURST")]
        if not any(key in os.environ for key in pair):
            added.update(dict.fromkeys(pair, str(RAISED_LIMIT)))
            raised.append(name)
    os.environ.update(added)
    try:
        yield raised
    finally:
        for key in added:
            os.environ.pop(key, None)


def limits(settings: GatewaySettings) -> dict[str, int]:
    return {name: int(getattr(settings, name)) for name in RECORDED}


def throttled(figures: Mapping[str, Any]) -> int:
    """Answers 429 (the gateway's rate limit) in a load summary."""
    return int((figures.get("status_counts") or {}).get("429", 0))
