"""Draining: an instance about to stop tells whoever balances traffic to send it no more,
while it still answers what was already sent to it.

While draining, `/health/ready` answers 503 (the gateway's health checks, Kubernetes'
readiness probe take the instance out of rotation) and every other route keeps serving.
Each answer also closes its connection (`Connection: close`): a client's pooled
keep-alive connections move to the other instances one by one, each after a complete
answer, instead of being cut when the server stops.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

CLOSE = (b"connection", b"close")


@dataclass
class Drain:
    """Whether this process is draining, since when and why (set once, by the runtime)."""

    reason: str | None = None
    since: float | None = None  # time.monotonic() when it began

    @property
    def draining(self) -> bool:
        return self.since is not None

    def begin(self, reason: str) -> None:
        if self.since is None:
            self.reason = reason
            self.since = time.monotonic()

    def elapsed(self) -> float:
        return 0.0 if self.since is None else time.monotonic() - self.since
