"""Questline's audit: invariants 1-6 of SYSTEM.md checked across the service databases,
read through a read-only role. `audit()` returns a `Report`; `python -m questline.audit`
prints it and writes it as JSON."""

from questline.audit.databases import AUDITED, Unreachable, database_urls
from questline.audit.report import InvariantResult, Report, Violation
from questline.audit.run import audit, audit_once

__all__ = [
    "AUDITED",
    "InvariantResult",
    "Report",
    "Unreachable",
    "Violation",
    "audit",
    "audit_once",
    "database_urls",
]
