"""One audit: read every service database, check invariants 1-6, report; and the same
again until the invariants hold or the time is up (--wait), for use right after load."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from questline.audit.databases import Unreachable, database_urls, read_snapshot, where
from questline.audit.invariants import check_all
from questline.audit.report import Report


def audit(
    urls: Mapping[str, str] | None = None,
    *,
    customer: str | None = None,
    wait: float = 0.0,
    pause: float = 1.0,
    on_attempt: Callable[[Report], None] | None = None,
) -> Report:
    """Checks invariants 1-6 once or, given `wait` seconds, until they hold or the time
    is up: a system still settling is not in violation before then. Returns the last
    report (`report.clean`); raises `Unreachable` when the last attempt could not read
    a database. `urls` maps each service to its database (default: `database_urls()`);
    `on_attempt` hears about each attempt that found violations, before the next one."""
    urls = dict(urls) if urls is not None else database_urls()
    deadline = time.monotonic() + wait
    attempts = 0
    while True:
        attempts += 1
        try:
            report = audit_once(urls, customer)
        except Unreachable:
            if time.monotonic() >= deadline:
                raise
        else:
            report.attempts = attempts
            if report.clean or time.monotonic() >= deadline:
                return report
            if on_attempt is not None:
                on_attempt(report)
        # Polls a condition (the invariants hold), bounded by the deadline.
        time.sleep(max(0.0, min(pause, deadline - time.monotonic())))


def audit_once(urls: Mapping[str, str], customer: str | None = None) -> Report:
    started = datetime.now(UTC)
    snapshot = read_snapshot(urls, customer)
    return Report(
        started_at=started,
        finished_at=datetime.now(UTC),
        invariants=check_all(snapshot),
        customer=customer,
        databases={service: where(url) for service, url in urls.items()},
    )
