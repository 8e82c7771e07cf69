"""The short form of `make chaos`: about a minute of faults of the kinds that hurt most
(the postmaster, the broker and a service killed -9, a paused process, wallet cut off
from gift) under steady load, on a system of its own; then every accepted operation
must be found, once, and the audit must be clean."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # `chaos` lives at the repo root, not in a package
    sys.path.insert(0, str(REPO_ROOT))

from chaos.report import markdown  # noqa: E402
from chaos.run import Plan, execute  # noqa: E402

pytestmark = pytest.mark.e2e

FAULTS = ["kill-postgres", "kill-broker", "kill-service", "pause", "cut", "latency"]


def test_a_minute_of_chaos_loses_nothing_doubles_nothing_and_oversells_nothing():
    plan = Plan(
        duration_s=60,
        achievements_per_s=10,
        exchanges_per_s=3,
        customers=12,
        seed=20261202,
        faults=FAULTS,
        gap_s=(1.0, 2.0),
        gift_stock=(20, 100_000),  # the scarce one sells out under the load
    )
    result = execute(plan, say=print)
    print(markdown(result))
    injected = [f["kind"] for f in result.faults]
    assert injected[:3] == FAULTS[:3], injected  # the three kills happened, in order
    assert all(f["recovered_s"] is not None for f in result.faults), result.faults
    assert result.achievements["answers"].get("500", 0) == 0
    assert result.exchanges["answers"].get("500", 0) == 0
    books = result.accounting
    assert books["settled"]
    assert books["achievements_accepted"] > 0
    assert books["achievements_lost_count"] == 0
    assert books["achievements_unasked_count"] == 0
    assert books["exchanges_lost"] == []
    scarce = books["gifts"][0]
    assert scarce["stock"] == 0 and scarce["exchangedCount"] == scarce["stockedTotal"]
    assert result.audit["clean"], result.audit.get("text")
    assert result.problems == []
