"""What a token may do. A player's `sub` is their customer id."""

from __future__ import annotations

from collections.abc import Iterable

OPENID = "openid"
PLAYER = "player"  # their own missions, rewards, wallet, exchanges and My Page
LIVEOPS = "liveops"  # operators: the catalogues and stock, and every customer's data
MISSIONS_REPORT = "missions:report"  # game backends report achievements
GIFT_EXCHANGE = "gift:exchange"  # wallet takes a gift for a reward (gift's internal route)

ALL = (OPENID, PLAYER, LIVEOPS, MISSIONS_REPORT, GIFT_EXCHANGE)


def parse(scope: str | None) -> list[str]:
    return [s for s in (scope or "").split() if s]


def grant(requested: Iterable[str], allowed: Iterable[str]) -> str:
    """The requested scopes that are allowed, in the order asked, as one string."""
    permitted = set(allowed)
    return " ".join(dict.fromkeys(s for s in requested if s in permitted))
